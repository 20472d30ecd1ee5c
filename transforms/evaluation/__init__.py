"""How well drift detection works: null simulations that calibrate the detector, a realistic cohort with
injected episodes, the published reference detectors, and the scores (recall, delay, false months)."""
