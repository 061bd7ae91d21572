"""Bluetooth Low Energy: advertisement codec, SPAKE2 onboarding, bleak backends (Bumble)."""
