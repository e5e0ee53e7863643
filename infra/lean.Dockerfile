# syntax=docker/dockerfile:1
#
# proofline-lean: the pinned Lean toolchain (lean-project/lean-toolchain), the Lean REPL and
# proofline-audit built by lean-project/setup.sh, optionally Mathlib, Node 24 and this repository.
# It is the `container` sandbox image and the place where the real-Lean suite runs.
#
#   docker build -f infra/lean.Dockerfile -t proofline-lean:v4.33.0 .
#   docker build -f infra/lean.Dockerfile --build-arg WITH_MATHLIB=1 -t proofline-lean:v4.33.0-mathlib .
#   docker run --rm proofline-lean:v4.33.0                     # npm run test:lean
#
# Not built in the development environment (no Docker engine, no route to GitHub): see infra/README.md.

ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE}

# git: Lake clones the REPL and Mathlib; curl + certificates: elan and its toolchain download;
# bubblewrap + util-linux (prlimit): the bwrap sandbox driver and its tests.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates curl git bubblewrap util-linux procps \
 && rm -rf /var/lib/apt/lists/*

ENV ELAN_HOME=/opt/elan \
    PATH=/opt/elan/bin:$PATH \
    PROOFLINE_LEAN_HOME=/opt/proofline/lean-project/.lake/proofline-home
RUN mkdir -p /opt/elan /opt/proofline && chown node:node /opt/elan /opt/proofline

# Everything below runs as the image's unprivileged `node` user (uid 1000).
USER node
WORKDIR /opt/proofline

# The Lean side first, so that changing TypeScript does not rebuild the toolchain layer.
# setup.sh installs elan (official installer: not root, so no apt), the toolchain, builds the REPL
# and proofline-audit, fetches Mathlib's cache when asked, lays out the Lean home and self-tests it.
# PROOFLINE_SANDBOX=none for this step only: `docker build` gives no user namespaces, so setup.sh's
# bwrap check would stop the build (exit 4); the image is run as the `container` sandbox, where the
# container is the isolation (infra/README.md). The check still prints what it found.
ARG WITH_MATHLIB=0
COPY --chown=node:node lean-project/ lean-project/
RUN PROOFLINE_SANDBOX=none PROOFLINE_WITH_MATHLIB=${WITH_MATHLIB} bash lean-project/setup.sh

COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# The rest of the repository (lean-project/.lake and node_modules are excluded by
# infra/lean.Dockerfile.dockerignore, so the layers above are not overwritten).
COPY --chown=node:node . .

CMD ["npm", "run", "test:lean"]
