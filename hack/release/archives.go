package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// platform is one OS and architecture a binary is built for.
type platform struct{ os, arch string }

// The operating systems and architectures a release builds for.
const (
	linux, darwin, windows = "linux", "darwin", "windows"
	amd64, arm64           = "amd64", "arm64"
)

// pluginPlatforms are those krew users run kubectl on.
var pluginPlatforms = []platform{
	{linux, amd64}, {linux, arm64},
	{darwin, amd64}, {darwin, arm64},
	{windows, amd64}, {windows, arm64},
}

// archive is one plugin archive of the release.
type archive struct {
	platform
	name string
	// bin is the binary's name inside the archive.
	bin string
}

// pluginArchives builds the plugin for every platform and archives each
// binary with LICENSE: tar.gz, or zip for Windows.
func pluginArchives(c config, work string) ([]archive, error) {
	license, err := os.ReadFile(filepath.Join(c.root, "LICENSE"))
	if err != nil {
		return nil, err
	}
	var out []archive
	for _, p := range pluginPlatforms {
		a := archive{platform: p, bin: "kubectl-tenantry", name: fmt.Sprintf("kubectl-tenantry_%s_%s_%s.tar.gz", c.version, p.os, p.arch)}
		if p.os == windows {
			a.bin += ".exe"
			a.name = fmt.Sprintf("kubectl-tenantry_%s_%s_%s.zip", c.version, p.os, p.arch)
		}
		binary := filepath.Join(work, "plugin", p.os+"-"+p.arch, a.bin)
		if err := buildBinary(c, p, "./cmd/kubectl-tenantry", binary); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(binary)
		if err != nil {
			return nil, err
		}
		files := []archiveFile{{name: a.bin, mode: 0o755, data: data}, {name: "LICENSE", mode: 0o644, data: license}}
		write := writeTarGz
		if p.os == windows {
			write = writeZip
		}
		if err := write(filepath.Join(c.out, a.name), files, c.created); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// buildBinary builds a main package for a platform with the release's
// flags and version, through the script every build of a release uses.
func buildBinary(c config, p platform, pkg, dest string) error {
	_, err := output(c.root, []string{"GOOS=" + p.os, "GOARCH=" + p.arch, "VERSION=" + c.version, "REVISION=" + c.revision},
		filepath.Join(c.root, "hack", "build-release-binary.sh"), pkg, dest)
	return err
}

type archiveFile struct {
	name string
	mode int64
	data []byte
}

// writeTarGz writes files into a gzipped tar, every entry dated modified,
// so that the same commit gives the same archive.
func writeTarGz(path string, files []archiveFile, modified time.Time) error {
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: modified, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// writeZip writes files into a zip, as Windows users expect.
func writeZip(path string, files []archiveFile, modified time.Time) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: modified}
		hdr.SetMode(os.FileMode(f.mode))
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, bytes.NewReader(f.data)); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
