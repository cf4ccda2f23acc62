"""生成节能宣传周活动网站：python build.py（生成）或 python build.py check（检查）。"""

import signal
import sys
from pathlib import Path

if __name__ == "__main__":
    if hasattr(signal, "pthread_sigmask"):  # a Ctrl+C while the program loads waits for main() to answer it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    from campaign.cli import main

    sys.exit(main(root=Path(__file__).resolve().parent))
