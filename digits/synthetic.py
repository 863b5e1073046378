"""Images the project makes itself: photo-like digits to calibrate on, typeset digits to train on
and non-digits to learn to refuse.

None comes from the test split, and each is made by another mechanism than the sources of
benchmarks/ (which measure on them): a perspective warp and a uniformly lit page for the photos;
OpenCV's plain Hershey faces for the typeset digits (the benchmark's script faces stay unseen);
plain Hershey letters, letters in the script, calligraphic and italic faces matplotlib ships, pen
scribbles, outlined and filled shapes, hatched textures and outlines with marks inside for the
non-digits.
"""

from __future__ import annotations

import functools
import os

import cv2
import numpy as np

from digits.errors import DigitsError
from digits.photo import center_by_mass, fit_box

# Letters no one would read as a digit: not O o D Q U (0), I l i j J T t (1, 7), Z z (2), S s (5),
# b G (6), B (8), g q y (9), A (4).
LETTERS = "CEFHKLMNPRVWXYacefhkmnprvwx"
PLAIN_FACES = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX,
               cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX)
DRAW_SIDE = 112  # px: non-digits are drawn at 4x MNIST's size, then reduced as digits.photo reduces a digit
# Every kind non_digits can draw; params.yaml's non_digits.kinds picks which, drawn in turn.
NON_DIGIT_KINDS = ("letter", "scribble", "shape", "texture", "calligraphic", "figure")
# The faces of the calligraphic letters, all shipped with matplotlib (which draws the reports):
# STIX's script letters (Unicode's mathematical script; some are in Letterlike Symbols instead),
# Computer Modern's calligraphic capitals, and the italics of Computer Modern and STIX.
SCRIPT_LETTERLIKE = {"E": 0x2130, "F": 0x2131, "H": 0x210B, "L": 0x2112, "M": 0x2133, "R": 0x211B, "e": 0x212F}
ITALIC_FONTS = ("cmmi10.ttf", "STIXGeneralItalic.ttf")


def require_hershey_faces() -> None:
    """Refuse to draw text with OpenCV 5 or later, where putText draws every Hershey face with one
    TrueType font (Rubik, upright or italic): the letters, digits and script faces drawn with it
    would be other shapes than the ones named, and the data other than `dvc.lock` records."""
    if int(cv2.__version__.split(".")[0]) >= 5:
        raise DigitsError(f"OpenCV {cv2.__version__} draws no Hershey faces; install opencv-python-headless<5 "
                          "(pyproject.toml's range: pip install -e .)")


def photographed_digit(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An MNIST digit (28x28, white on black) as a grey photo of a page: enlarged, warped in
    perspective, dark ink on lighter paper (or chalk on a board), blurred, noisy, JPEG-compressed."""
    scale = rng.uniform(3, 10)
    ink = cv2.resize(digit, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255
    ink = ink ** rng.uniform(0.5, 2.0)  # a bolder or fainter pen
    side = ink.shape[0]
    pad = int(side * rng.uniform(0.2, 1.0))
    ink = cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    size = ink.shape[0]
    corners = np.float32([[0, 0], [size, 0], [size, size], [0, size]])
    moved = corners + rng.uniform(-0.08, 0.08, corners.shape).astype(np.float32) * size
    ink = cv2.warpPerspective(ink, cv2.getPerspectiveTransform(corners, moved), (size, size))
    paper, pen = rng.uniform(140, 250), rng.uniform(0, 100)
    if rng.random() < 0.15:
        paper, pen = pen, paper  # chalk on a board, a screen in dark mode
    image = paper + ink * (pen - paper)
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.2, 1.0) * scale / 3)
    image += rng.normal(0, rng.uniform(1, 10), image.shape)
    encoded = cv2.imencode(".jpg", np.clip(image, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(rng.uniform(40, 95))])[1]
    return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)


def non_digits(count: int, seed: int, kinds: tuple[str, ...]) -> np.ndarray:
    """(count, 28, 28) uint8 images in MNIST's format (white on black, 20 px box, centred by mass)
    that are not digits: each of `kinds` (of NON_DIGIT_KINDS) in turn."""
    if count:
        require_hershey_faces()
    rng = np.random.default_rng(seed)
    makers = {"letter": _letter, "scribble": _scribble, "shape": _shape, "texture": _texture, "calligraphic": _calligraphic,
              "figure": _figure}
    return _in_mnist_form([makers[kinds[index % len(kinds)]](rng) for index in range(count)])


def font_digits(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(count, 28, 28) uint8 digits typeset in OpenCV's plain Hershey faces, upright or italic, with
    pens as thick as MNIST's, in MNIST's format; and their labels, an equal share of each digit.

    MNIST's digits are all handwritten: a model trained on them alone reads a typed or lettered
    digit less surely, and outlier exposure pushes it further that way (docs/calibration.md)."""
    if count:
        require_hershey_faces()
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 10
    return _in_mnist_form([_typeset(str(label), _face(rng), rng) for label in labels]), labels.astype(np.uint8)


def _in_mnist_form(drawings: list[np.ndarray]) -> np.ndarray:
    """Drawings (white on black) as MNIST's images: cropped to their ink, fitted into 20 px, centred by mass."""
    images = []
    for ink in drawings:
        rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        box = ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1].astype(np.float32)
        images.append(center_by_mass(fit_box(box)))
    return np.stack(images) if images else np.zeros((0, 28, 28), np.uint8)


def _canvas() -> np.ndarray:
    return np.zeros((DRAW_SIDE, DRAW_SIDE), np.uint8)


def _pen(rng: np.random.Generator) -> int:
    return int(rng.integers(4, 14))  # MNIST's strokes are 10-17 % of the digit's height


def _face(rng: np.random.Generator) -> int:
    return PLAIN_FACES[rng.integers(len(PLAIN_FACES))] | (cv2.FONT_ITALIC if rng.random() < 0.3 else 0)


def _letter(rng: np.random.Generator) -> np.ndarray:
    face = _face(rng)  # drawn before the letter: the order of draws fixes which non-digits a seed gives
    return _typeset(LETTERS[rng.integers(len(LETTERS))], face, rng)


def _calligraphic(rng: np.random.Generator) -> np.ndarray:
    """A letter of LETTERS in a script, calligraphic or italic face, its pen 0-3 px bolder.

    Plain Hershey letters alone taught `fast` to refuse plain letters, not joined-up ones: it read
    38 % of the answers benchmark's script letters as digits (docs/calibration.md).
    """
    letter = LETTERS[rng.integers(len(LETTERS))]
    style = int(rng.integers(3))
    if style == 0:
        character, font = script_character(letter), "STIXGeneral.ttf"
    elif style == 1 and letter.isupper():
        character, font = letter, "cmsy10.ttf"  # its capitals are calligraphic
    else:
        character, font = letter, ITALIC_FONTS[rng.integers(len(ITALIC_FONTS))]
    glyph = glyph_bitmap(font, character)
    scale = 60 / max(glyph.shape)  # as high as the Hershey letters (_typeset)
    glyph = cv2.resize(glyph, (max(1, round(glyph.shape[1] * scale)), max(1, round(glyph.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    bolder = int(rng.integers(4))
    if bolder:
        glyph = cv2.dilate(glyph, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (bolder + 1, bolder + 1)))
    return glyph  # _in_mnist_form crops and fits it, as it does the drawings on a canvas


def script_character(letter: str) -> str:
    """The Unicode script form of an ASCII letter: 'E' -> 'ℰ', 'a' -> '𝒶'."""
    if letter in SCRIPT_LETTERLIKE:
        return chr(SCRIPT_LETTERLIKE[letter])
    return chr(0x1D49C + ord(letter) - ord("A") if letter.isupper() else 0x1D4B6 + ord(letter) - ord("a"))


@functools.cache
def glyph_bitmap(font: str, character: str) -> np.ndarray:
    """The anti-aliased glyph of `character` in one of matplotlib's bundled fonts, white on black, cropped.

    matplotlib is imported here, not at the top: `digits predict` imports this module and never draws text.
    """
    import matplotlib
    from matplotlib import ft2font

    face = ft2font.FT2Font(os.path.join(matplotlib.get_data_path(), "fonts", "ttf", font))
    face.set_size(72, 72)
    face.set_text(character, 0.0)
    face.draw_glyphs_to_bitmap(antialiased=True)
    bitmap = np.asarray(face.get_image())
    rows, columns = np.flatnonzero(bitmap.any(axis=1)), np.flatnonzero(bitmap.any(axis=0))
    if not rows.size:
        raise ValueError(f"{font} has no glyph for {character!r}")
    return bitmap[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def _typeset(text: str, face: int, rng: np.random.Generator) -> np.ndarray:
    canvas = _canvas()
    thickness = _pen(rng) // 2
    scale = cv2.getFontScaleFromHeight(face, 60, thickness)
    (width, height), _ = cv2.getTextSize(text, face, scale, thickness)
    cv2.putText(canvas, text, ((DRAW_SIDE - width) // 2, (DRAW_SIDE + height) // 2), face, scale, 255, thickness, cv2.LINE_AA)
    return canvas


def _scribble(rng: np.random.Generator) -> np.ndarray:
    """A pen wandering over the page: a smooth random walk of 4-8 turns."""
    canvas = _canvas()
    anchors = rng.uniform(16, DRAW_SIDE - 16, (int(rng.integers(5, 10)), 2))
    steps = np.linspace(0, len(anchors) - 1, 40 * len(anchors))
    points = np.stack([np.interp(steps, np.arange(len(anchors)), anchors[:, axis]) for axis in (0, 1)], axis=1)
    points = cv2.GaussianBlur(points.reshape(-1, 1, 2), (1, 0), 8).reshape(-1, 2) if len(points) > 1 else points
    cv2.polylines(canvas, [np.round(points).astype(np.int32)], False, 255, _pen(rng), cv2.LINE_AA)
    return canvas


def _shape(rng: np.random.Generator) -> np.ndarray:
    """A triangle, square, star, arrow or cross, outlined or filled, turned at random."""
    canvas, radius = _canvas(), rng.uniform(25, 45)
    kind = rng.integers(4)
    if kind == 0:  # a triangle or a square
        angles = np.linspace(0, 2 * np.pi, int(rng.integers(3, 5)), endpoint=False)
        outline = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    elif kind == 1:  # a star of 5-7 points
        angles = np.linspace(0, 2 * np.pi, 2 * int(rng.integers(5, 8)), endpoint=False)
        radii = np.where(np.arange(len(angles)) % 2 == 0, 1.0, rng.uniform(0.35, 0.55))
        outline = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    elif kind == 2:  # an arrow
        outline = np.array([[-1, -0.15], [0.3, -0.15], [0.3, -0.45], [1, 0], [0.3, 0.45], [0.3, 0.15], [-1, 0.15]])
    else:  # a cross, as "x" or "+": two bars, drawn as lines below
        outline = np.array([[-1, 0], [1, 0], [0, -1], [0, 1]])
    turn = rng.uniform(0, 2 * np.pi)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    points = np.round(DRAW_SIDE / 2 + radius * outline @ rotation.T).astype(np.int32)
    if kind == 3:
        for start in (0, 2):
            cv2.line(canvas, tuple(map(int, points[start])), tuple(map(int, points[start + 1])), 255, _pen(rng), cv2.LINE_AA)
    elif rng.random() < 0.5:
        cv2.fillPoly(canvas, [points], 255, cv2.LINE_AA)
    else:
        cv2.polylines(canvas, [points], True, 255, _pen(rng), cv2.LINE_AA)
    return canvas


def _figure(rng: np.random.Generator) -> np.ndarray:
    """A closed outline (an ellipse, or a polygon of 3-8 corners) with 1-4 marks inside, dots, short
    strokes, small arcs or rings, nearly always apart from it.

    No digit has ink of its own inside a loop; an outline with something in it is a picture (a face, a
    wheel, a sign). Without figures both models read a sketched face as a 0 (docs/calibration.md).
    """
    canvas, pen = _canvas(), _pen(rng)
    radii = rng.uniform(30, 50, 2)
    corners = int(rng.integers(3, 9)) if rng.random() < 0.5 else 0  # 0: an ellipse
    angles = np.linspace(0, 2 * np.pi, corners or 100, endpoint=False) + rng.uniform(0, 2 * np.pi)
    outline = np.stack([radii[0] * np.cos(angles), radii[1] * np.sin(angles)], axis=1)
    cv2.polylines(canvas, [np.round(DRAW_SIDE / 2 + outline).astype(np.int32)], True, 255, pen, cv2.LINE_AA)
    # A mark's centre and reach keep within about 0.8 of the room inside the outline's pen; the marks' own pens
    # and 2-px floors let one touch it now and then (about 1 % of figures, tests/test_synthetic.py).
    room = radii.min() * (np.cos(np.pi / corners) if corners else 1) - pen / 2
    for _ in range(int(rng.integers(1, 5))):
        mark_pen = max(2, int(pen * rng.uniform(0.4, 0.8)))
        centre = DRAW_SIDE / 2 + rng.uniform(-0.45, 0.45, 2) * room / np.sqrt(2)
        size = max(2.0, rng.uniform(0.15, 0.35) * room - mark_pen / 2)
        kind = rng.integers(4)
        if kind == 0:  # a dot
            cv2.circle(canvas, tuple(np.round(centre).astype(int)), mark_pen, 255, -1, cv2.LINE_AA)
        elif kind == 1:  # a short stroke
            angle = rng.uniform(0, np.pi)
            offset = np.array([np.cos(angle), np.sin(angle)]) * size
            cv2.line(canvas, *[tuple(np.round(end).astype(int)) for end in (centre - offset, centre + offset)], 255, mark_pen, cv2.LINE_AA)
        else:  # an arc (a smile, a brow) or a ring
            start, span = rng.uniform(0, 360), 360 if kind == 3 else rng.uniform(60, 200)
            axes = (round(size), max(2, round(size * rng.uniform(0.5, 1))))
            cv2.ellipse(canvas, tuple(np.round(centre).astype(int)), axes, 0, start, start + span, 255, mark_pen, cv2.LINE_AA)
    return canvas


def _texture(rng: np.random.Generator) -> np.ndarray:
    """Hatching (parallel strokes, sometimes crossed) or smudged blobs of ink."""
    canvas = _canvas()
    if rng.random() < 0.5:
        for angle in rng.uniform(0, np.pi, int(rng.integers(1, 3))):
            gap = rng.uniform(10, 22)
            direction = np.array([np.cos(angle), np.sin(angle)])
            across = np.array([-direction[1], direction[0]])
            for offset in np.arange(-40, 41, gap):
                middle = DRAW_SIDE / 2 + across * offset
                ends = [middle - direction * 40, middle + direction * 40]
                cv2.line(canvas, *[tuple(np.round(end).astype(int)) for end in ends], 255, _pen(rng) // 2 + 1, cv2.LINE_AA)
        return canvas
    noise = cv2.GaussianBlur(rng.normal(0, 1, (DRAW_SIDE, DRAW_SIDE)).astype(np.float32), (0, 0), rng.uniform(4, 10))
    canvas[16:-16, 16:-16] = np.where(noise[16:-16, 16:-16] > np.quantile(noise, rng.uniform(0.6, 0.85)), 255, 0)
    return canvas if canvas.any() else _scribble(rng)

