import numpy as np

from digits.plots import plot_confusion_matrix, plot_misclassified


def test_confusion_colours_are_spent_on_the_errors_not_the_diagonal():
    counts = np.diag([980, 1000, 990, 1000, 970, 890, 950, 1020, 970, 1000])
    counts[5, 3] = 18  # 5 read as 3: 2.0 % of the 5s
    counts[7, 2] = 8
    figure = plot_confusion_matrix(counts)
    axes = figure.axes[0]
    colours = axes.collections[0].get_array()
    # Diagonal cells are masked; the darkest colour is the worst error.
    assert np.ma.is_masked(colours) and colours.mask.reshape(10, 10).diagonal().all()
    assert colours.max() == axes.collections[0].norm.vmax == 100 * 18 / (890 + 18)
    texts = [text.get_text() for text in axes.texts]
    assert "18\n2.0%" in texts and "8\n0.8%" in texts
    assert "98.0%" in texts and "100.0%" in texts  # recall of 5 and of 0 on the grey diagonal
    assert "26 of 9,796" in axes.get_title()


def test_misclassified_shows_the_most_confident_mistakes_first_with_their_confidence():
    images = np.zeros((6, 28, 28), np.uint8)
    labels = np.array([1, 2, 3, 4, 5, 6])
    probabilities = np.full((6, 10), 0.01)
    # image: (predicted, confidence); images 0 and 4 are read correctly.
    for index, (predicted, confidence) in enumerate([(1, 0.9), (7, 0.55), (8, 0.99996), (9, 0.8), (5, 0.99), (0, 0.7)]):
        probabilities[index, predicted] = confidence
    figure = plot_misclassified(images, labels, probabilities, count=2)
    titles = [axes.get_title() for axes in figure.axes if axes.get_title()]
    assert titles == ["3 → 8  99.9%", "4 → 9  80.0%"]
    assert "2 of 4" in figure._suptitle.get_text()
