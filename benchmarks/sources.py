"""Sources of images to read, each made by its own mechanism, for benchmarks/reading.py and photos.py.

Each maker takes an MNIST test digit (28x28, white on black) or a label, and a random generator,
and returns an image as a person would bring it. None of this is used by the project's code or its
tests: the preprocessing must not be tuned to the way these images are made.

- photo: the digit photographed on paper (lighting gradient, shadow, blur, noise, JPEG);
- drawing: the digit thinned to its centre line and drawn again with a round brush on a canvas;
- scan: the digit reduced to 8-16 px, enlarged again with cubic interpolation, on grey paper;
- crop: the digit enlarged and cut tight to its ink, 0-5 % margin;
- script: a digit in one of OpenCV's Hershey script faces, slanted, photographed;
- row: 2-6 digits side by side, photographed (read with --multi);
- drawn row: 2-6 digits drawn side by side on a canvas with one brush (read with --multi);
- page: a 5-10 mm digit on an A4 page scanned at 300 dpi.
"""

from __future__ import annotations

import cv2
import numpy as np

from digits.synthetic import require_hershey_faces

A4_300_DPI = (3508, 2480)  # px: 297 x 210 mm at 300 dots per inch
MM_AT_300_DPI = 300 / 25.4  # px per mm


def make_photo(digit: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A colour JPEG-decoded photo of white-on-black digits (28 px high), as a phone would take it.

    Also returns the pen change, in MNIST pixels: +r, strokes dilated by r on each side (2r px
    thicker); -r, the ink raised to the power 1 + 3r (thinner); 0, the digit's own strokes.
    """
    height = int(rng.uniform(100, 400))
    scale = height / digit.shape[0]
    width = round(digit.shape[1] * scale)
    ink = cv2.resize(digit, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    # Pen width: thicker strokes (dilated by up to 0.9 MNIST px on each side, so up to 1.8 px
    # thicker than MNIST's median 2.3 px), or thinner ones (the ink raised to a power of up to 3.7,
    # which pulls every stroke's grey edges in but never breaks a stroke: eroding instead erased
    # MNIST's faint, 1-px parts of strokes outright, which no thinner pen does).
    radius, pen_change = int(round(abs(rng.uniform(-0.6, 0.9)) * scale)), 0.0
    if radius:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        pen_change = radius / scale if rng.random() < 0.6 else -radius / scale
        ink = cv2.dilate(ink, kernel) if pen_change > 0 else np.clip(ink, 0, 1) ** (1 - 3 * pen_change)
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-10, 10), 1.0)
    ink = cv2.warpAffine(ink, rotation, (width, height))
    return photograph(ink, rng, blur=scale / 4), pen_change


def photograph(ink: np.ndarray, rng: np.random.Generator, blur: float) -> np.ndarray:
    """Ink coverage (0-1, float) placed off-centre on tinted paper, lit unevenly, shadowed, blurred, noisy, JPEG.

    `blur` is the largest Gaussian blur, in px of the photo.
    """
    height, width = ink.shape
    frame_h, frame_w = int(height * rng.uniform(1.3, 2.5)), int(width * rng.uniform(1.3, 2.5))
    top, left = rng.integers(0, frame_h - height + 1), rng.integers(0, frame_w - width + 1)
    alpha = np.zeros((frame_h, frame_w), np.float32)
    alpha[top : top + height, left : left + width] = np.clip(ink, 0, 1)
    # Paper and ink colours, a lighting gradient and a soft shadow over part of the page.
    paper = rng.uniform(170, 245) * np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.9, 1.0)])
    pen = rng.uniform(10, 90) * np.array([rng.uniform(1, 1.6), 1.0, 1.0])
    rows, columns = np.mgrid[0:frame_h, 0:frame_w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    along = np.cos(angle) * columns / frame_w + np.sin(angle) * rows / frame_h
    light = 1 - rng.uniform(0, 0.4) * (along - along.min()) / max(1e-6, np.ptp(along))
    edge = rng.uniform(0.2, 0.8) * frame_w + (rows - frame_h / 2) * rng.uniform(-0.5, 0.5)
    light *= 1 - rng.uniform(0, 0.35) * (1 / (1 + np.exp(-(columns - edge) / (0.03 * frame_w))))
    image = (paper[None, None] - alpha[..., None] * (paper - pen)[None, None]) * light[..., None]
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.1, 1.0) * blur)
    image += rng.normal(0, rng.uniform(2, 8), image.shape)
    return jpeg(np.clip(image, 0, 255).astype(np.uint8), int(rng.uniform(50, 90)))


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
    return cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)


def centre_line(mask: np.ndarray) -> np.ndarray:
    """Zhang and Suen's thinning (1984): the one-pixel-wide centre line of a binary mask."""
    image = np.pad(mask > 0, 1).astype(np.uint8)
    while True:
        changed = False
        for step in (0, 1):
            p2, p3, p4 = image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:]
            p5, p6, p7 = image[2:, 2:], image[2:, 1:-1], image[2:, :-2]
            p8, p9 = image[1:-1, :-2], image[:-2, :-2]
            ring = [p2, p3, p4, p5, p6, p7, p8, p9, p2]
            neighbours = sum(ring[:-1])
            transitions = sum((a == 0) & (b == 1) for a, b in zip(ring, ring[1:]))
            if step == 0:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (image[1:-1, 1:-1] == 1) & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & side
            if remove.any():
                image[1:-1, 1:-1][remove] = 0
                changed = True
        if not changed:
            return image[1:-1, 1:-1]


def make_drawing(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit's centre line drawn again with a round brush 3-12 % of the canvas wide, as a drawing
    app or a web canvas gives it: the digit's longer side 50-95 % of the canvas, white on black or
    black on white, off-centre but never past the canvas's edge."""
    rows, columns = centre_points(digit)
    side = int(rng.integers(200, 400))
    brush = rng.uniform(0.03, 0.12) * side
    # The drawn digit, brush included, is `fill` of the canvas on its longer side. (Until
    # 2026-11-30 its height, and a wide digit could run off the canvas, as no drawing app lets it.)
    fill = rng.uniform(0.5, 0.95) * side
    scale = (fill - brush) / max(1, np.ptp(rows), np.ptp(columns))
    centre_y, centre_x = (rows.max() + rows.min()) / 2, (columns.max() + columns.min()) / 2
    # Off-centre by up to 5 % (up and down) or 10 % (sideways) of the canvas, as far as it has room.
    room_y, room_x = (side - np.ptp(rows) * scale - brush) / 2, (side - np.ptp(columns) * scale - brush) / 2
    y = (rows - centre_y) * scale + side / 2 + min(room_y, 0.05 * side) * rng.uniform(-1, 1)
    x = (columns - centre_x) * scale + side / 2 + min(room_x, 0.1 * side) * rng.uniform(-1, 1)
    canvas = brush_strokes(y, x, (side, side), brush)
    return canvas if rng.random() < 0.5 else 255 - canvas


def make_drawn_row(digits: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A number drawn on a canvas: each digit's centre line drawn again side by side with one round brush
    4-16 % of the digits' height wide, each digit 60-140 px high (within 10 % of the others), their
    strokes a brush's width plus 5-40 % of that height apart, white on black or black on white."""
    height = rng.uniform(60, 140)
    brush = rng.uniform(0.04, 0.16) * height
    margin = height / 2
    all_y, all_x, right = [], [], margin
    for digit in digits:
        rows, columns = centre_points(digit)
        scale = height * rng.uniform(0.9, 1.1) / max(1, np.ptp(rows))
        y = (rows - (rows.max() + rows.min()) / 2) * scale + margin + height / 2 + rng.uniform(-0.05, 0.05) * height
        x = (columns - columns.min()) * scale + right + brush
        all_y.append(y)
        all_x.append(x)
        right = x.max() + brush + rng.uniform(0.05, 0.4) * height
    canvas = brush_strokes(np.concatenate(all_y), np.concatenate(all_x), (int(height + 2 * margin), int(right + margin)), brush)
    return canvas if rng.random() < 0.5 else 255 - canvas


def centre_points(digit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (rows, columns) of the digit's centre line, on a copy enlarged 4 times."""
    big = cv2.resize(digit, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    return np.nonzero(centre_line(big > 127))


def brush_strokes(y: np.ndarray, x: np.ndarray, shape: tuple[int, int], brush: float) -> np.ndarray:
    """White discs `brush` px wide at each point on a black canvas, anti-aliased as a canvas draws them."""
    supersample = 2  # drawn at twice the size, then reduced
    canvas = np.zeros((shape[0] * supersample, shape[1] * supersample), np.uint8)
    radius = max(1, int(round(brush * supersample / 2)))
    for point_y, point_x in zip(y * supersample, x * supersample):
        cv2.circle(canvas, (int(round(point_x)), int(round(point_y))), radius, 255, -1, cv2.LINE_AA)
    return cv2.resize(canvas, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def _ink_box(digit: np.ndarray) -> np.ndarray:
    return digit[np.ix_(digit.any(axis=1), digit.any(axis=0))]


def make_scan(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A small, blurry, low-resolution scan: the digit reduced to 8-16 px high, enlarged with cubic
    interpolation to 64-128 px, filling the frame (a pixel of margin at the low resolution at most),
    dark on grey paper, with sensor noise."""
    ink = _ink_box(digit)
    low_height = int(rng.integers(8, 17))
    low_width = max(1, round(ink.shape[1] * low_height / ink.shape[0]))
    low = cv2.resize(ink, (low_width, low_height), interpolation=cv2.INTER_AREA)
    margin = int(rng.integers(0, 2))
    low = cv2.copyMakeBorder(low, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0)
    paper, pen = rng.uniform(150, 220), rng.uniform(20, 90)
    low = paper - low.astype(np.float32) / 255 * (paper - pen)
    high = int(rng.integers(64, 129))
    scale = high / low.shape[0]
    scan = cv2.resize(low, (max(1, round(low.shape[1] * scale)), high), interpolation=cv2.INTER_CUBIC)
    scan += rng.normal(0, rng.uniform(1, 5), scan.shape)
    return np.clip(scan, 0, 255).astype(np.uint8)


def make_crop(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit enlarged 3-10x and cut to its ink with a 0-5 % margin, dark on light or light on dark."""
    scale = rng.uniform(3, 10)
    big = cv2.resize(digit, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    rows, columns = np.flatnonzero((big > 40).any(axis=1)), np.flatnonzero((big > 40).any(axis=0))
    height, width = rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1
    margin = [int(round(rng.uniform(0, 0.05) * size)) for size in (height, height, width, width)]
    big = cv2.copyMakeBorder(big, *[max(margin) + 1] * 4, cv2.BORDER_CONSTANT, value=0)
    top, left = rows[0] + max(margin) + 1, columns[0] + max(margin) + 1
    crop = big[top - margin[0] : top + height + margin[1], left - margin[2] : left + width + margin[3]].astype(np.float32)
    paper, pen = rng.uniform(180, 250), rng.uniform(0, 80)
    crop = paper - crop / 255 * (paper - pen)
    crop = cv2.GaussianBlur(crop, (0, 0), rng.uniform(0.3, 0.3 + scale / 6)) + rng.normal(0, rng.uniform(1, 4), crop.shape)
    crop = np.clip(crop, 0, 255).astype(np.uint8)
    return crop if rng.random() < 0.7 else 255 - crop


SCRIPT_FACES = (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)


def make_script(label: int, rng: np.random.Generator) -> np.ndarray:
    """A digit in a Hershey script face (upright or italic), 40-300 px high, slanted, photographed."""
    return photographed_script(str(label), rng)


def photographed_script(text: str, rng: np.random.Generator) -> np.ndarray:
    """`text` in a Hershey script face (upright or italic), 40-300 px high, slanted, photographed."""
    require_hershey_faces()
    face = SCRIPT_FACES[rng.integers(len(SCRIPT_FACES))] | (cv2.FONT_ITALIC if rng.random() < 0.5 else 0)
    height = rng.uniform(40, 300)
    scale = cv2.getFontScaleFromHeight(face, int(height))
    thickness = max(1, int(round(height * rng.uniform(0.03, 0.12))))
    (width, text_height), baseline = cv2.getTextSize(text, face, scale, thickness)
    pad = thickness + int(height // 4)
    ink = np.zeros((text_height + baseline + 2 * pad, width + 2 * pad), np.uint8)
    cv2.putText(ink, text, (pad, pad + text_height), face, scale, 255, thickness, cv2.LINE_AA)
    shear = rng.uniform(-0.3, 0.3)
    slant = np.float32([[1, shear, -shear * ink.shape[0] / 2], [0, 1, 0]])
    ink = cv2.warpAffine(ink, slant, (ink.shape[1], ink.shape[0]))
    return photograph(_ink_box(ink).astype(np.float32) / 255, rng, blur=height / 60)


def make_row(digits: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Digits side by side, 2-8 MNIST px apart, each a little higher or lower, photographed."""
    parts = []
    for index, digit in enumerate(digits):
        ink = digit[:, digit.any(axis=0)]
        ink = np.roll(cv2.copyMakeBorder(ink, 3, 3, 0, 0, cv2.BORDER_CONSTANT), int(rng.integers(-2, 3)), axis=0)
        parts.append(ink)
        if index < len(digits) - 1:
            parts.append(np.zeros((ink.shape[0], int(rng.integers(2, 9))), np.uint8))
    row = np.hstack(parts)
    height = int(rng.uniform(60, 200))
    scale = height / row.shape[0]
    ink = cv2.resize(row, (round(row.shape[1] * scale), height), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    return photograph(ink, rng, blur=scale / 4)


def make_page(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 5-10 mm digit written somewhere on an A4 page, scanned at 300 dpi: white paper, even light,
    slight skew, a little sensor noise (grey, as a scanner's default)."""
    height = int(rng.uniform(5, 10) * MM_AT_300_DPI)
    ink = cv2.resize(_ink_box(digit), None, fx=height / 20, fy=height / 20, interpolation=cv2.INTER_CUBIC)
    turn = cv2.getRotationMatrix2D((ink.shape[1] / 2, ink.shape[0] / 2), rng.uniform(-3, 3), 1.0)
    ink = cv2.warpAffine(ink, turn, (ink.shape[1], ink.shape[0]))
    page = np.zeros(A4_300_DPI, np.uint8)
    top = int(rng.integers(100, A4_300_DPI[0] - 100 - ink.shape[0]))
    left = int(rng.integers(100, A4_300_DPI[1] - 100 - ink.shape[1]))
    page[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    paper, pen = rng.uniform(225, 250), rng.uniform(20, 70)
    noise = rng.normal(0, rng.uniform(1, 3), (A4_300_DPI[0] // 4, A4_300_DPI[1] // 4)).astype(np.float32)
    scanned = paper - page.astype(np.float32) * ((paper - pen) / 255) + cv2.resize(noise, A4_300_DPI[::-1])
    return np.clip(scanned, 0, 255).astype(np.uint8)


# Non-digits, for benchmarks/answers.py. None is made as digits.synthetic makes the training outliers
# (plain Hershey faces and matplotlib's script, calligraphic and italic faces, scribbles, polygons and
# stars, hatching, outlines with marks inside): Hershey's script faces, photographed objects,
# drawn pictures.
SCRIPT_LETTERS = "ACEFHKMNPRVWXYacefhkmnprvwx"  # as in digits.synthetic: no letter a person would read as a digit
NON_DIGITS = {
    "letter": "a letter in a Hershey script face, slanted, photographed",
    "word": "a 2-4 letter word in a Hershey script face, slanted, photographed",
    "object": "a photographed object: overlapping shaded ellipses and a rectangle",
    "doodle": "a drawn heart, house, spiral, wave, sun or cloud on a canvas",
    "sketch": "a pencil sketch of a face, fish, tree, cup or car, photographed",
}


def make_non_digit(kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind in ("letter", "word"):
        length = 1 if kind == "letter" else int(rng.integers(2, 5))
        return photographed_script("".join(SCRIPT_LETTERS[i] for i in rng.integers(len(SCRIPT_LETTERS), size=length)), rng)
    if kind == "object":
        side = int(rng.integers(150, 400))
        ink = np.zeros((side, side), np.float32)
        for _ in range(int(rng.integers(2, 5))):
            centre = tuple(int(v) for v in rng.uniform(0.3, 0.7, 2) * side)
            axes = tuple(int(v) for v in rng.uniform(0.1, 0.3, 2) * side)
            cv2.ellipse(ink, centre, axes, rng.uniform(0, 180), 0, 360, float(rng.uniform(0.5, 1.0)), -1)
        corner = rng.uniform(0.2, 0.5, 2) * side
        cv2.rectangle(ink, tuple(int(v) for v in corner), tuple(int(v) for v in corner + rng.uniform(0.2, 0.4, 2) * side),
                      float(rng.uniform(0.5, 1.0)), -1)
        return photograph(_ink_box((ink * 255).astype(np.uint8)).astype(np.float32) / 255, rng, blur=side / 100)
    if kind == "sketch":
        return _sketch(rng)
    # A doodle: a closed or open curve, drawn with a round brush on a canvas (as make_drawing draws).
    side = int(rng.integers(200, 400))
    t = np.linspace(0, 1, 400)
    shape = rng.integers(6)
    if shape == 0:  # heart
        a = 2 * np.pi * t
        x, y = 16 * np.sin(a) ** 3, -(13 * np.cos(a) - 5 * np.cos(2 * a) - 2 * np.cos(3 * a) - np.cos(4 * a))
    elif shape == 1:  # house: square with a roof
        corners_x, corners_y = [-1, -1, 0, 1, 1, -1, 1], [1, -0.3, -1.2, -0.3, 1, 1, -0.3]
        x, y = np.interp(t * 6, np.arange(7), corners_x), np.interp(t * 6, np.arange(7), corners_y)
    elif shape == 2:  # spiral
        a = 6 * np.pi * t
        x, y = t * np.cos(a), t * np.sin(a)
    elif shape == 3:  # wave
        x, y = t * 4, 0.4 * np.sin(2 * np.pi * t * rng.uniform(2, 4))
    elif shape == 4:  # sun: rays around a centre
        a = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        x, y = np.ravel([[0, np.cos(b)] for b in a]), np.ravel([[0, np.sin(b)] for b in a])
    else:  # cloud: bumps around an ellipse
        a = 2 * np.pi * t
        radius = 1 + 0.15 * np.abs(np.sin(5 * a))
        x, y = 1.6 * radius * np.cos(a), radius * np.sin(a)
    x, y = np.asarray(x, float), np.asarray(y, float)
    scale = rng.uniform(0.5, 0.85) * side / max(np.ptp(x), np.ptp(y))
    points = np.stack([(x - x.mean()) * scale + side / 2, (y - y.mean()) * scale + side / 2], axis=1)
    canvas = np.zeros((side, side), np.uint8)
    cv2.polylines(canvas, [np.round(points).astype(np.int32)], False, 255, max(2, int(rng.uniform(0.03, 0.1) * side)), cv2.LINE_AA)
    return canvas if rng.random() < 0.5 else 255 - canvas


def _sketch(rng: np.random.Generator) -> np.ndarray:
    """A thin-pencil line drawing of an everyday thing, of several strokes, photographed on paper."""
    side = 300
    ink = np.zeros((side, side), np.float32)
    pen = max(1, int(rng.uniform(0.01, 0.03) * side))
    c = side // 2
    subject = rng.integers(5)
    if subject == 0:  # a face: head, eyes, smile
        cv2.circle(ink, (c, c), 100, 1, pen, cv2.LINE_AA)
        for dx in (-35, 35):
            cv2.circle(ink, (c + dx, c - 30), 10, 1, -1, cv2.LINE_AA)
        cv2.ellipse(ink, (c, c + 20), (50, 35), 0, 20, 160, 1, pen, cv2.LINE_AA)
    elif subject == 1:  # a fish: body, tail, eye
        cv2.ellipse(ink, (c - 20, c), (90, 45), 0, 0, 360, 1, pen, cv2.LINE_AA)
        cv2.polylines(ink, [np.int32([[c + 70, c], [c + 120, c - 45], [c + 120, c + 45]])], True, 1, pen, cv2.LINE_AA)
        cv2.circle(ink, (c - 70, c - 10), 6, 1, -1, cv2.LINE_AA)
    elif subject == 2:  # a tree: three stacked triangles and a trunk
        for level in range(3):
            top, width = c - 110 + 50 * level, 50 + 25 * level
            cv2.polylines(ink, [np.int32([[c, top], [c - width, top + 70], [c + width, top + 70]])], True, 1, pen, cv2.LINE_AA)
        cv2.rectangle(ink, (c - 15, c + 60), (c + 15, c + 110), 1, pen, cv2.LINE_AA)
    elif subject == 3:  # a cup with a handle and steam
        cv2.rectangle(ink, (c - 70, c - 30), (c + 50, c + 90), 1, pen, cv2.LINE_AA)
        cv2.ellipse(ink, (c + 50, c + 30), (35, 30), 0, -90, 90, 1, pen, cv2.LINE_AA)
        for dx in (-40, 0):
            ys = np.arange(c - 110, c - 40)
            cv2.polylines(ink, [np.int32(np.stack([c + dx + 8 * np.sin(ys / 8), ys], axis=1))], False, 1, pen, cv2.LINE_AA)
    else:  # a car: body, cabin, two wheels
        cv2.rectangle(ink, (c - 120, c), (c + 120, c + 50), 1, pen, cv2.LINE_AA)
        cv2.polylines(ink, [np.int32([[c - 60, c], [c - 35, c - 50], [c + 45, c - 50], [c + 70, c]])], False, 1, pen, cv2.LINE_AA)
        for dx in (-70, 70):
            cv2.circle(ink, (c + dx, c + 55), 25, 1, pen, cv2.LINE_AA)
    turn = cv2.getRotationMatrix2D((c, c), rng.uniform(-15, 15), rng.uniform(0.5, 1.2))
    ink = cv2.warpAffine(ink, turn, (side, side))
    return photograph(_ink_box((ink * 255).astype(np.uint8)).astype(np.float32) / 255, rng, blur=1.5)
