import sys
from pathlib import Path

# `publication_helpers` beside this file (small manifests and warehouses written by hand).
sys.path.insert(0, str(Path(__file__).parent))
