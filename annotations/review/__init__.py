"""Web app: pre-bill coding assistant and annotation review sessions (``infucode serve``).

Needs the optional ``web`` extra (fastapi, uvicorn, jinja2, sqlalchemy, python-multipart). The pure modules
``formats`` and ``agreement`` import nothing from the web stack and can be used without it.
"""
