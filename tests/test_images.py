import cv2
import numpy as np
import pytest

from digits.images import ImageError, center_by_mass, list_images, read_grayscale, to_mnist
from tests.conftest import draw_digit


def photo_of_digit(digit, size=(240, 320), at=(0.5, 0.5), height=120, dark_ink=True, gradient=0):
    """A digit drawn with OpenCV on a larger page, where and as large as asked, with a lighting gradient."""
    rng = np.random.default_rng(digit)
    glyph = draw_digit(digit, rng, size=height)
    page = np.zeros(size, np.float32)
    top, left = int(at[0] * size[0] - height / 2), int(at[1] * size[1] - height / 2)
    page[top : top + height, left : left + height] = glyph
    if dark_ink:
        paper = 230 - gradient * np.linspace(0, 1, size[1])[None, :]
        page = paper - page * (paper - 20) / 255
    return np.clip(page, 0, 255).astype(np.uint8)


def bounding_box(image):
    rows, columns = np.nonzero(image)
    return rows.max() - rows.min() + 1, columns.max() - columns.min() + 1


def centre_of_mass(image):
    moments = cv2.moments(image.astype(np.float32))
    return moments["m01"] / moments["m00"], moments["m10"] / moments["m00"]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"at": (0.3, 0.25), "height": 60},
        {"at": (0.6, 0.7), "height": 200, "size": (400, 500)},
        {"dark_ink": False},
        {"gradient": 80},
    ],
    ids=["centred", "small-off-centre", "large", "white-on-black", "uneven-light"],
)
@pytest.mark.parametrize("digit", [1, 4, 7])
def test_digit_is_laid_out_as_mnist(digit, options):
    result = to_mnist(photo_of_digit(digit, **options))
    assert result.shape == (28, 28) and result.dtype == np.uint8
    assert max(bounding_box(result)) == 20
    row, column = centre_of_mass(result)
    assert abs(row - 13.5) <= 1 and abs(column - 13.5) <= 1


def test_center_by_mass_moves_mass_to_the_centre():
    digit = np.zeros((20, 10), np.uint8)
    digit[:5] = 255  # all the mass in the top rows
    row, column = centre_of_mass(center_by_mass(digit))
    assert abs(row - 13.5) <= 0.5 and abs(column - 13.5) <= 0.5


def test_blank_page_is_refused():
    with pytest.raises(ImageError, match="no digit found"):
        to_mnist(np.full((50, 50), 240, np.uint8), "blank.png")


def test_colour_image_is_read_as_grey(tmp_path):
    colour = np.zeros((30, 30, 3), np.uint8)
    colour[..., 2] = 200
    cv2.imwrite(str(tmp_path / "c.png"), colour)
    grey = read_grayscale(tmp_path / "c.png")
    assert grey.shape == (30, 30)


def test_folders_expand_to_sorted_images(tmp_path):
    for name in ("b.png", "a.JPG", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert list_images([str(tmp_path)]) == [str(tmp_path / "a.JPG"), str(tmp_path / "b.png")]
