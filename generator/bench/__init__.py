"""`slipstream bench`: load-test rendered combinations against baselines in the same run."""
