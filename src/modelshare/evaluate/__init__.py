"""Evaluation of a fitted model: metrics per task and the plots the card shows.

Example:
    >>> from modelshare.evaluate.metrics import score_model
    >>> scores = score_model(model, X_test, y_test, task="classification")
    >>> [metric.type for metric in scores.metrics]
    ['accuracy', 'f1', 'precision', 'recall', 'roc_auc']
"""
