"""Evaluation of a fitted model: metrics per task with bootstrap confidence intervals,
metrics per group of people (fairlearn), leakage checks, the figures the card shows, and the
comparison of claimed metrics with new measurements (which :mod:`modelshare.verification` runs where
a release is received).

Example:
    >>> from modelshare.evaluate.metrics import score_model
    >>> scores = score_model(model, X_test, y_test, task="classification")
    >>> [metric.type for metric in scores.metrics][:5]
    ['accuracy', 'f1', 'f1', 'precision', 'recall']
"""
