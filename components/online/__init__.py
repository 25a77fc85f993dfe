"""The online loop, offline half: feedback -> preference pairs, online report, drift report."""
