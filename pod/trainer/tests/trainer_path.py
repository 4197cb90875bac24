"""Puts trainer/ on sys.path so that the tests import the trainer's modules as the image does."""
import sys
from pathlib import Path

TRAINER_DIR = Path(__file__).resolve().parents[1]
if str(TRAINER_DIR) not in sys.path:
    sys.path.insert(0, str(TRAINER_DIR))
sys.dont_write_bytecode = True  # no __pycache__ next to the sources the image copies
