import cv2
import numpy as np
import pytest

from digits.errors import DigitsError
from digits.photo import mass_centring_shift, prepare_digit
from digits.params import NonDigitsParams
from digits.synthetic import (ITALIC_FONTS, LETTERS, NON_DIGIT_KINDS, PLAIN_FACES, _figure, font_digits, glyph_bitmap, non_digits,
                              photographed_digit, require_hershey_faces, script_character)
from tests.conftest import draw_digit


def test_non_digits_are_in_mnists_form_and_reproducible():
    count = 2 * len(NON_DIGIT_KINDS)
    images = non_digits(count, seed=3, kinds=NON_DIGIT_KINDS)
    assert images.shape == (count, 28, 28) and images.dtype == np.uint8
    assert (non_digits(count, seed=3, kinds=NON_DIGIT_KINDS) == images).all()
    assert not (non_digits(count, seed=4, kinds=NON_DIGIT_KINDS) == images).all()
    # Each kind in turn: the first four kinds alone draw the first four images the same, then others.
    first_four = non_digits(count, seed=3, kinds=NON_DIGIT_KINDS[:4])
    assert (first_four[:4] == images[:4]).all() and not (first_four[4:6] == images[4:6]).all()
    for image in images:
        rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        assert max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 == 20  # longer side fitted to 20 px, as MNIST
        assert image.max() == 255
        assert mass_centring_shift(image) == (0, 0)  # centred by mass


def test_font_digits_are_each_digit_in_turn_in_mnists_form_and_reproducible():
    images, labels = font_digits(40, seed=3)
    assert images.shape == (40, 28, 28) and images.dtype == np.uint8 and labels.dtype == np.uint8
    assert (np.bincount(labels, minlength=10) == 4).all()
    assert (font_digits(40, seed=3)[0] == images).all() and not (font_digits(40, seed=4)[0] == images).all()
    for image in images:
        assert image.max() == 255 and mass_centring_shift(image) == (0, 0)
    ink = [images[labels == digit].astype(float).sum() for digit in range(10)]
    assert ink[1] < min(ink[8], ink[0])  # a 1 is drawn with less ink than an 8 or a 0: the label is the digit drawn
    assert font_digits(0, seed=3)[0].shape == (0, 28, 28)


def test_text_is_drawn_only_by_an_opencv_with_hershey_faces(monkeypatch):
    require_hershey_faces()  # the installed OpenCV (pyproject.toml's range) has them
    monkeypatch.setattr(cv2, "__version__", "5.0.0")
    for make in (lambda: non_digits(4, seed=3, kinds=("scribble",)), lambda: font_digits(4, seed=3)):
        with pytest.raises(DigitsError, match=r"OpenCV 5\.0\.0 draws no Hershey faces; install opencv-python-headless<5"):
            make()
    assert font_digits(0, seed=3)[0].shape == (0, 28, 28)  # no text drawn, nothing to refuse


def test_the_benchmarks_script_faces_stay_unseen():
    assert not {cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX} & {face & ~cv2.FONT_ITALIC for face in PLAIN_FACES}


def test_every_calligraphic_letter_has_a_glyph_of_its_own_in_each_face():
    script = [glyph_bitmap("STIXGeneral.ttf", script_character(letter)) for letter in LETTERS]
    italic = [glyph_bitmap(font, letter) for font in ITALIC_FONTS for letter in LETTERS]
    calligraphic = [glyph_bitmap("cmsy10.ttf", letter) for letter in LETTERS if letter.isupper()]
    for glyph in [*script, *italic, *calligraphic]:
        assert glyph.dtype == np.uint8 and min(glyph.shape) >= 10 and glyph.max() > 200  # a drawn letter, not a missing-glyph box or nothing
    # Each letter its own shape in a face: a missing glyph would draw the same placeholder for all.
    for glyphs in (script, italic, calligraphic):
        assert len({(glyph.shape, glyph.tobytes()) for glyph in glyphs}) == len(glyphs)
    with pytest.raises(ValueError, match="no glyph"):
        glyph_bitmap("STIXGeneral.ttf", " ")


def test_script_characters_are_unicodes_script_letters():
    assert script_character("C") == "\N{MATHEMATICAL SCRIPT CAPITAL C}" and script_character("E") == "\N{SCRIPT CAPITAL E}"
    assert script_character("a") == "\N{MATHEMATICAL SCRIPT SMALL A}" and script_character("e") == "\N{SCRIPT SMALL E}"
    assert script_character("x") == "\N{MATHEMATICAL SCRIPT SMALL X}"


def test_a_photographed_digit_is_a_photo_digits_photo_reads_back():
    digit = draw_digit(4, np.random.default_rng(0))
    photo = photographed_digit(digit, np.random.default_rng(1))
    assert photo.ndim == 2 and photo.shape[0] > 3 * 28  # enlarged, grey
    assert np.ptp(photo) > 40  # ink and paper differ
    assert prepare_digit(photo).shape == (28, 28)


def test_the_kinds_params_yaml_allows_are_the_kinds_non_digits_draws():
    assert NonDigitsParams.__dataclass_fields__["kinds"].metadata["choices"] == NON_DIGIT_KINDS


def test_a_figures_marks_are_inside_its_outline_and_nearly_always_apart_from_it():
    rng = np.random.default_rng(5)
    apart = 0
    for _ in range(200):
        figure = _figure(rng)
        count, parts, stats, _ = cv2.connectedComponentsWithStats((figure > 127).astype(np.uint8))
        outline = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        contours, _ = cv2.findContours((parts == outline).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        inside = cv2.drawContours(np.zeros_like(figure), contours, -1, 1, -1).astype(bool)
        assert inside[parts > 0].all()  # nothing drawn outside the outline
        apart += count >= 3  # the background, the outline, and at least one mark of its own
    assert apart >= 190  # a mark touches a thick outline now and then (18 figures of 2,000)
