"""What checking an attached image costs: a 12 MP photo, and the two pixel floods of issue 9,
finding 5 (a ~160 KB PNG of 7000 × 7000, a ~14 KB GIF of 500 frames), with the bounds as
configured and with the old ones (50 MP, 500 frames, 100 MP in all frames). A report, not a
test: each check runs in a process of its own, which prints its time and its peak memory above
what the process held before; the lines give the ratios measured in this run.

    python bench/uploads/bench_image_bombs.py
"""

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

OLD_BOUNDS = {
    "TOWNHALL_UPLOAD_MAX_PIXELS": "50000000",
    "TOWNHALL_UPLOAD_MAX_FRAMES": "500",
    "TOWNHALL_UPLOAD_MAX_FRAME_PIXELS": "100000000",
}
CASES = ("photo", "png_7000", "gif_500")


def _file(case: str) -> tuple[str, bytes]:
    from PIL import Image, ImageDraw

    from tests.lib.image_bombs import long_gif, wide_png

    if case == "png_7000":
        return "plano.png", wide_png()
    if case == "gif_500":
        return "animacao.gif", long_gif()
    photo = Image.new("RGB", (4000, 3000), (120, 160, 200))
    ImageDraw.Draw(photo).ellipse((500, 500, 3500, 2500), fill=(200, 80, 40))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    return "foto.jpg", out.getvalue()


def _measure(path: str) -> None:
    """In the child: check one file (made by the parent, so that making it does not count),
    print seconds and MB over the baseline."""
    from app.lib.uploads import UploadRejected, inspect_upload

    name, data = Path(path).name, Path(path).read_bytes()
    inspect_upload("warm.png", _tiny_png())  # imports and Pillow's plugins, before the baseline
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        inspect_upload(name, data)
        outcome = "accepted"
    except UploadRejected as exc:
        outcome = exc.code
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mb = (peak - before) / 1024
    print(json.dumps({"s": seconds, "mb": mb, "outcome": outcome, "kb": len(data) // 1024}))


def _tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    return out.getvalue()


def _run(path: Path, extra_env: dict[str, str]) -> dict[str, float | str]:
    env = {**os.environ, "TOWNHALL_SECRET_KEY": "bench", **extra_env}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-image-bombs-"))
    for case in CASES:
        name, data = _file(case)
        path = folder / name
        path.write_bytes(data)
        now = _run(path, {})
        old = _run(path, OLD_BOUNDS)
        print(
            f"{case:9} ({now['kb']} KB): old bounds {old['outcome']} {old['s']:.2f} s "
            f"+{old['mb']:.0f} MB; now {now['outcome']} {now['s']:.3f} s +{now['mb']:.0f} MB; "
            f"time ratio {old['s'] / max(now['s'], 1e-3):.0f}x, "
            f"memory ratio {max(old['mb'], 1) / max(now['mb'], 1):.0f}x"
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _measure(sys.argv[2])
    else:
        main()
