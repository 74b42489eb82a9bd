"""siyi — “四个体系”重点工作 Excel 批处理工具.

Pipeline: schema → master → issue (templates) → ingest → normalize → validate →
progress → writers → cli. See README.md for the office's workflow.
"""

from __future__ import annotations

__version__ = "0.1.0"
