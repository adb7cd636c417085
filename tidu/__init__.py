"""tidu 梯度: the yearly enterprise gradient-cultivation programme's plan, workbooks, checks and roll-ups.

One package with the design card's layers as subpackages (DESIGN §3): ``tidu.schemas`` →
``tidu.engine`` → ``tidu.workbook`` → front doors (``tidu.engine.cli``, ``tidu.xlmacros``,
``tidu.portal``). The version below is the only place it is written.
"""

__version__ = "0.2.0"
