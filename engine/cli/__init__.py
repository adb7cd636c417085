"""Front door: the `tidu` command (DESIGN §9), the demo, sample data and terminal renderers.

The only engine code that may import ``tidu.workbook`` or ``tidu.xlmacros.addin``.
"""
