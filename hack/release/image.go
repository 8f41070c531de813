package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// imagePlatforms are the platforms the manager's image is built for.
var imagePlatforms = []platform{{linux, amd64}, {linux, arm64}}

// Where the image's pieces go, and who it runs as: distroless's nonroot
// user, numeric so that runAsNonRoot can check it without /etc/passwd.
const (
	imageUser       = "65532:65532"
	imageEntrypoint = "/manager"
	caBundle        = "/etc/ssl/certs/ca-certificates.crt"
	// imageDir is the OCI image layout in the release directory.
	imageDir = "image"
)

// hostCABundle is the CA bundle the image carries, from the build machine
// (Debian's ca-certificates): the manager verifies the mail server's and
// the API server's certificates with it.
var hostCABundle = "/etc/ssl/certs/ca-certificates.crt"

// managerImage builds the manager for each image platform and writes a
// multi-platform image into an OCI image layout, tagged with the version.
// It returns the digest of the image index: what install.yaml pins.
func managerImage(c config, work string) (string, error) {
	ca, err := os.ReadFile(hostCABundle)
	if err != nil {
		return "", fmt.Errorf("the image carries the CA bundle %s (apt-get install ca-certificates): %w", hostCABundle, err)
	}
	base, err := baseLayer(ca, c.created)
	if err != nil {
		return "", err
	}
	index := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range imagePlatforms {
		binary := filepath.Join(work, "manager", p.os+"-"+p.arch, "manager")
		if err := buildBinary(c, p, "./cmd/manager", binary); err != nil {
			return "", err
		}
		img, err := platformImage(c, p, base, binary)
		if err != nil {
			return "", err
		}
		index = mutate.AppendManifests(index, mutate.IndexAddendum{
			Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.os, Architecture: p.arch}},
		})
	}
	index = mutate.Annotations(index, imageLabels(c)).(v1.ImageIndex)
	path, err := layout.Write(filepath.Join(c.out, imageDir), empty.Index)
	if err != nil {
		return "", err
	}
	if err := path.AppendIndex(index, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": c.version})); err != nil {
		return "", err
	}
	digest, err := index.Digest()
	if err != nil {
		return "", err
	}
	return digest.String(), nil
}

// imageLabels are the OCI annotations of the image, as labels of each
// platform's config and annotations of the index.
func imageLabels(c config) map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "tenantry",
		"org.opencontainers.image.description": "The Tenantry operator: users of customer accounts as Kubernetes resources",
		"org.opencontainers.image.source":      "https://github.com/tenantry-io/tenantry",
		"org.opencontainers.image.version":     c.version,
		"org.opencontainers.image.revision":    c.revision,
		"org.opencontainers.image.licenses":    "Apache-2.0",
		"org.opencontainers.image.created":     c.created.Format(time.RFC3339),
	}
}

// platformImage is the base layer, then the manager, with a config that
// runs it as the nonroot user.
func platformImage(c config, p platform, base v1.Layer, binary string) (v1.Image, error) {
	data, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	manager, err := layer([]tarEntry{{name: "manager", mode: 0o755, data: data}}, c.created)
	if err != nil {
		return nil, err
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	if img, err = mutate.AppendLayers(img, base, manager); err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = p.os, p.arch
	cf.Created = v1.Time{Time: c.created}
	cf.Config.User = imageUser
	cf.Config.Entrypoint = []string{imageEntrypoint}
	cf.Config.WorkingDir = "/"
	cf.Config.Env = []string{"SSL_CERT_FILE=" + caBundle}
	cf.Config.Labels = imageLabels(c)
	return mutate.ConfigFile(img, cf)
}

// baseLayer holds what distroless/static would: the CA bundle, a passwd
// and group naming the nonroot user, its home and /tmp.
func baseLayer(ca []byte, created time.Time) (v1.Layer, error) {
	passwd := "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group := "root:x:0:\nnonroot:x:65532:\n"
	return layer([]tarEntry{
		{name: "etc/", dir: true, mode: 0o755},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
		{name: "etc/ssl/", dir: true, mode: 0o755},
		{name: "etc/ssl/certs/", dir: true, mode: 0o755},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: ca},
		{name: "home/", dir: true, mode: 0o755},
		{name: "home/nonroot/", dir: true, mode: 0o700, uid: 65532},
		{name: "tmp/", dir: true, mode: 0o1777},
	}, created)
}

type tarEntry struct {
	name string
	dir  bool
	mode int64
	uid  int
	data []byte
}

// layer is an uncompressed tar of entries, gzipped as an OCI layer; every
// entry is dated created, so that the same commit gives the same digest.
func layer(entries []tarEntry, created time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: created, Format: tar.FormatPAX}
		if e.dir {
			hdr.Typeflag = tar.TypeDir
		} else {
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(types.OCILayer))
}
