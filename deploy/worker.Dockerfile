# The Kubernetes worker image: the service image plus the sandbox image's file tree, which
# the bubblewrap backend binds read-only as every sandbox's root
# (REFEREE_SANDBOX__BWRAP_ROOTFS, default /var/lib/referee/sandbox-rootfs). Compose workers
# use the Docker backend and the plain service image instead.
#
# Build from the repository root, after the two images it is made of:
#   docker build -f deploy/worker.Dockerfile -t referee-worker \
#       --build-arg SERVICE_IMAGE=referee-service:TAG \
#       --build-arg SANDBOX_IMAGE=referee-sandbox:TAG .
ARG SERVICE_IMAGE=referee-service:local
ARG SANDBOX_IMAGE=referee-sandbox:latest

FROM ${SANDBOX_IMAGE} AS sandbox

FROM ${SERVICE_IMAGE}
# Owned by root and read-only to the worker's uid: a sandboxed program can change nothing in
# it, and the next sandbox starts from the same tree.
COPY --from=sandbox / /var/lib/referee/sandbox-rootfs/
CMD ["referee", "worker"]
