"""Pixel floods (issue 9, finding 5): images are refused by their pixels and frames before they
are decoded, and decoded a few at a time; the bounds are settings."""

import io
import threading
from typing import Any

import pytest
from PIL import Image, ImageFile

from app.config import get_settings
from app.lib import uploads
from app.lib.uploads import UploadRejected, inspect_upload
from tests.lib.image_bombs import long_gif, wide_png


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The size of every frame Pillow decodes (each load() of a file)."""
    calls: list[tuple[int, int]] = []
    real = ImageFile.ImageFile.load

    def load(self: ImageFile.ImageFile) -> Any:
        if self.tile:  # something left to decode
            calls.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


def _limits(monkeypatch: pytest.MonkeyPatch, **values: Any) -> None:
    changed = get_settings().model_copy(update=values)
    monkeypatch.setattr(uploads, "get_settings", lambda: changed)


def test_a_small_png_of_7000_by_7000_is_refused_without_decoding_a_pixel(
    decoded: list[tuple[int, int]],
) -> None:
    bomb = wide_png()
    assert len(bomb) < 250_000
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("plano.png", bomb)
    assert caught.value.code == "image_too_large"
    assert caught.value.params == {"filename": "plano.png", "limit": 16}
    assert decoded == []


def test_a_gif_of_500_frames_is_refused_after_decoding_no_more_than_the_bound(
    decoded: list[tuple[int, int]],
) -> None:
    bomb = long_gif()
    assert len(bomb) < 20_000
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("animacao.gif", bomb)
    assert caught.value.code == "too_many_frames"
    assert caught.value.params == {"filename": "animacao.gif", "frames": 100, "limit": 10}
    # 10 megapixels in all frames is 51 frames of 440 × 440: the rest are never decoded.
    limit = get_settings().upload_max_frame_pixels
    assert len(decoded) <= limit // (440 * 440) + 1


def test_many_tiny_frames_are_refused_by_their_number(decoded: list[tuple[int, int]]) -> None:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("tiny.gif", long_gif(frames=300, size=20))
    assert caught.value.code == "too_many_frames"
    assert len(decoded) <= 101


def test_a_short_animation_within_the_bounds_keeps_every_frame_and_its_timing() -> None:
    checked = inspect_upload("ok.gif", long_gif(frames=30, size=200))
    with Image.open(io.BytesIO(checked.data)) as again:
        assert again.n_frames == 30
        assert again.info["duration"] == 40


def test_the_bounds_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    photo = io.BytesIO()
    Image.new("RGB", (1200, 1000)).save(photo, "JPEG")
    assert inspect_upload("foto.jpg", photo.getvalue()).media_type == "image/jpeg"
    _limits(monkeypatch, upload_max_pixels=1_000_000, upload_max_frames=10)
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("foto.jpg", photo.getvalue())
    assert caught.value.params["limit"] == 1
    with pytest.raises(UploadRejected) as frames:
        inspect_upload("ok.gif", long_gif(frames=30, size=20))
    assert frames.value.params["frames"] == 10


def test_while_every_decoding_slot_is_taken_an_image_is_refused_as_busy(
    monkeypatch: pytest.MonkeyPatch, decoded: list[tuple[int, int]]
) -> None:
    _limits(monkeypatch, upload_image_wait_s=0.05)
    taken = threading.BoundedSemaphore(1)
    taken.acquire()
    monkeypatch.setattr(uploads, "_slots", taken)
    photo = io.BytesIO()
    Image.new("RGB", (40, 40)).save(photo, "PNG")
    with pytest.raises(UploadRejected) as caught:
        inspect_upload("foto.png", photo.getvalue())
    assert caught.value.code == "busy"
    assert decoded == []
    taken.release()
    assert inspect_upload("foto.png", photo.getvalue()).media_type == "image/png"


def test_a_burst_of_images_is_decoded_at_most_a_slot_count_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(uploads, "_slots", threading.BoundedSemaphore(2))
    busy, most = [0], [0]
    lock = threading.Lock()
    real = uploads._encode

    def encode(image: Image.Image, kind: uploads.Kind) -> bytes:
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        try:
            threading.Event().wait(0.02)
            return real(image, kind)
        finally:
            with lock:
                busy[0] -= 1

    monkeypatch.setattr(uploads, "_encode", encode)
    photo = io.BytesIO()
    Image.new("RGB", (64, 64)).save(photo, "PNG")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: inspect_upload(f"{i}.png", photo.getvalue()), range(16)))
    assert len(results) == 16
    assert most[0] == 2
