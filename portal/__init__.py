"""The portal (DESIGN §12): an intranet web front door on the engine, for centres without Excel add-in.

A FastAPI app (``tidu.portal.app.create_app``) served by uvicorn, with server-rendered Chinese
pages, an SQLite ledger of every upload and the uploaded files stored by content hash.
"""
