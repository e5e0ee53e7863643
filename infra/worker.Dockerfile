# syntax=docker/dockerfile:1
#
# proofline-worker: the image of every cluster-mode pod (issue #9) — sample and check workers, the
# build coordinator Job and the reward service. It is the Lean image (infra/lean.Dockerfile: Node
# 24, the pinned toolchain, the REPL, proofline-audit, bubblewrap, this repository with `npm ci`)
# with `proofline` as its entrypoint, so the checker in a worker is byte-for-byte the checker of
# the `container` sandbox and of the real-Lean suite.
#
#   docker build -f infra/lean.Dockerfile -t proofline-lean:v4.33.0 .
#   docker build -f infra/worker.Dockerfile -t proofline-worker:v4.33.0 .
#   docker build -f infra/worker.Dockerfile --build-arg LEAN_IMAGE=proofline-lean:v4.33.0-mathlib -t proofline-worker:v4.33.0-mathlib .
#
# The tag is the Lean toolchain version (lean-project/lean-toolchain), as for the Lean image:
# verdicts of two toolchains must never share a run, and the tag says which one a pod checks with.
# Not built in the development environment (no Docker engine there): see infra/README.md.

ARG LEAN_IMAGE=proofline-lean:v4.33.0
FROM ${LEAN_IMAGE}

LABEL org.opencontainers.image.title="proofline-worker" \
      org.opencontainers.image.description="proofline cluster worker: BullMQ sample/check workers, build coordinator, reward service" \
      org.opencontainers.image.licenses="Apache-2.0"

# The Lean image already holds the repository at /opt/proofline with node_modules and the Lean home
# (PROOFLINE_LEAN_HOME). Refresh the sources so the worker image follows the checkout it is built
# from even when the Lean image is older (node_modules and lean-project/.lake stay: the
# .dockerignore beside this file keeps them out of the context).
USER node
WORKDIR /opt/proofline
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY --chown=node:node . .

ENV NODE_ENV=production \
    PROOFLINE_LOG_LEVEL=info

# Kubernetes passes the command and its flags as args: `worker --redis … --role check`,
# `build --config /etc/proofline/build.yaml --cluster …`, `serve --config … --host 0.0.0.0`.
ENTRYPOINT ["node", "bin/proofline.js"]
CMD ["--help"]
