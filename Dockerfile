# The manager's image: built in a Go container, shipped on distroless/static
# (no shell, no package manager), running as its nonroot user.
#   make docker-build IMG=<registry>/tenantry:<tag>
# The Go version follows go.mod's; hack/build-manager.sh holds the build flags.
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
WORKDIR /workspace
# Dependencies first, so a source change reuses the downloaded modules.
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY internal/ internal/
COPY hack/build-manager.sh hack/
RUN GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} hack/build-manager.sh /out/manager

FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
