"""Tests of the slipstream generator and of every rendered combination."""
