"""生成节能宣传周活动网站：python build.py（生成）或 python build.py check（检查）。"""

import sys
from pathlib import Path

from campaign.cli import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parent))
