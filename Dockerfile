# The manager's image, for those who build with a container engine:
#   make docker-build IMG=<registry>/tenantry:<tag>
# `make release` builds the same image without one (hack/release), from the
# same binary: hack/build-release-binary.sh holds the build flags.
#
# Both bases are pinned by digest, so a rebuild takes the same bases; move
# them forward on purpose (`crane digest golang:1.26`, `crane digest
# gcr.io/distroless/static:nonroot`). The builder runs on the build machine's
# platform and cross-compiles, so a multi-platform build needs no emulation.
FROM --platform=$BUILDPLATFORM golang:1.26@sha256:595c7847cff97c9a9e76f015083c481d26078f961c9c8dca3923132f51fe12f1 AS builder
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=""
ARG REVISION=""
WORKDIR /workspace
# Dependencies first, so a source change reuses the downloaded modules.
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY internal/ internal/
COPY hack/build-manager.sh hack/build-release-binary.sh hack/
RUN GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} VERSION=${VERSION} REVISION=${REVISION} hack/build-manager.sh /out/manager

# No shell, no package manager; the CA bundle and a nonroot user.
FROM gcr.io/distroless/static:nonroot@sha256:e2e927ec666bae08560abb3c55d0659eceabb657f56b6782ab500a9fc7f555e3
ARG VERSION=""
ARG REVISION=""
LABEL org.opencontainers.image.source="https://github.com/tenantry-io/tenantry" \
      org.opencontainers.image.title="tenantry" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
WORKDIR /
COPY --from=builder /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
