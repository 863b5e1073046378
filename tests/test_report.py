from digits.report import read_training_history, render_report

PARAMS = {"train": {"model": "mlp", "epochs": 2, "batch_size": 32, "learning_rate": 0.001, "seed": 1}, "report": {"top_confusions": 2}}
TEST_METRICS = {
    "accuracy": 0.9712,
    "loss": 0.1,
    "macro_f1": 0.97,
    "ece": 0.0123, "nll": 0.09, "brier": 0.04, "accuracy_at_95_coverage": 0.991,
    "answered_digit": 0.9, "answered_digit_accuracy": 0.998,
    "per_class": {str(d): {"precision": 0.9, "recall": 0.8, "f1": 0.85, "support": 100} for d in range(10)},
}
FIGURES = {"curves": "curves.png", "confusion": "cm.png", "misclassified": "wrong.png", "calibration": "cal.png",
           "balance": "balance.png"}


def write_history(plots_dir):
    for folder in ("train", "eval"):
        for metric in ("loss", "accuracy"):
            path = plots_dir / "metrics" / folder / f"{metric}.tsv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"step\t{metric}\n0\t0.5\n1\t0.25\n")


def test_history_reads_dvclive_files(tmp_path):
    write_history(tmp_path)
    history = read_training_history(tmp_path)
    assert history == {"loss": {"train": [0.5, 0.25], "validation": [0.5, 0.25]},
                       "accuracy": {"train": [0.5, 0.25], "validation": [0.5, 0.25]}}


def test_report_has_tables_figures_and_params(tmp_path):
    write_history(tmp_path)
    text = render_report(PARAMS, TEST_METRICS, read_training_history(tmp_path), [(5, 3, 27)], FIGURES)
    assert "| accuracy | 0.9712 |" in text
    assert "| expected calibration error (15 bins) | 0.0123 |" in text
    assert "| answered as a digit (not \"not sure\") | 90.00%, 99.80% of them right |" in text
    assert "| 5 | 3 | 27 |" in text
    for link in FIGURES.values():
        assert f"]({link})" in text
    assert "top_confusions: 2" in text
