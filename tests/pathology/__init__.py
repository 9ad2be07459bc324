"""The pathology suite: the classic LSTM failure modes end to end (issue 6)."""
