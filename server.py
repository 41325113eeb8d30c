"""Run innomap with Flask's development server: ``python server.py``."""

from web import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8000)
