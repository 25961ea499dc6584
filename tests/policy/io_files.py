"""Files for the import tests, made in the tests (python-docx, Pillow) rather than kept as
binaries: a draft as a secretariat would receive it, with headings, emphasis, lists, a table,
an image, a comment and a style mammoth does not know."""

import io
import zipfile

from docx import Document
from PIL import Image

TITLE = "Caring Systems"
SECTIONS = ["Care as a right", "Funding care", "Who pays", "Workers"]


def draft_docx() -> bytes:
    doc = Document()
    doc.add_paragraph(TITLE, style="Title")
    doc.add_heading(SECTIONS[0], level=1)
    para = doc.add_paragraph("Care is a ")
    para.add_run("right").bold = True
    para.add_run(" of ")
    para.add_run("every").italic = True
    para.add_run(" person, at 2 * every age.")
    doc.add_paragraph("Childcare for all", style="List Bullet")
    doc.add_paragraph("Long-term care", style="List Bullet")
    doc.add_heading(SECTIONS[1], level=2)
    doc.add_paragraph("Public budgets fund care services.")
    doc.add_paragraph("Recognise unpaid care", style="List Number")
    doc.add_paragraph("Reduce it", style="List Number")
    doc.add_paragraph("Redistribute it", style="List Number")
    table = doc.add_table(rows=2, cols=2)
    for (row, col), text in {
        (0, 0): "Year",
        (0, 1): "Budget",
        (1, 0): "2026",
        (1, 1): "3%",
    }.items():
        table.cell(row, col).text = text
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(picture, "PNG")
    picture.seek(0)
    doc.add_picture(picture)
    doc.add_heading(SECTIONS[2], level=3)
    remark = doc.add_paragraph("Taxes and social insurance share the cost.")
    doc.add_comment(remark.runs, text="Check this with the feminism caucus", author="Ana")
    doc.add_heading(SECTIONS[3], level=1)
    doc.add_paragraph("Care workers deserve decent work.", style="Intense Quote")
    doc.add_paragraph("Odd style", style="Caption")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


MARKDOWN = f"""# {TITLE}

## Care as a right

Care is a **right** of *every* person.

- Childcare for all
- Long-term care

### Funding care

Public budgets fund care services.

## Workers

Care workers deserve decent work.
""".encode()


def zip_bomb_like() -> bytes:
    """A zip that says it is a Word document but holds thousands of parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for n in range(2100):
            archive.writestr(f"word/part{n}.xml", "")
    return out.getvalue()


def empty_docx() -> bytes:
    out = io.BytesIO()
    Document().save(out)
    return out.getvalue()
