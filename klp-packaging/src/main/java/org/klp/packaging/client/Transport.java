package org.klp.packaging.client;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads files of a repository by their path relative to its root: from a folder ({@code file://}
 * URL or plain path) or over HTTP(S) with {@link HttpURLConnection} (lighter to start than the
 * JDK's HttpClient, which matters for the host tool's start-up). Every read is bounded in size and
 * time; a missing file is a {@link NoSuchFileException}, anything else an {@link IOException}.
 */
abstract class Transport {

    static final int CONNECT_TIMEOUT_MS = 10_000;
    static final int READ_TIMEOUT_MS = 30_000;

    /** Opens {@code location}: {@code http://…}, {@code https://…}, {@code file:///…} or a path. */
    static Transport of(String location) {
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("No repository given (expected a URL such as http://host/repo or a folder path)");
        }
        String l = location.strip();
        if (l.startsWith("http://") || l.startsWith("https://")) {
            try {
                URI base = new URI(l.endsWith("/") ? l : l + "/");
                return new Http(base);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("Not a repository URL: '" + location + "' (" + e.getReason() + ")");
            }
        }
        if (l.startsWith("file:")) {
            try {
                return new Folder(Path.of(new URI(l)));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IllegalArgumentException("Not a file URL: '" + location + "' (expected file:///path/to/repo)");
            }
        }
        if (l.contains("://")) {
            throw new IllegalArgumentException("Unsupported repository URL scheme in '" + location + "' (use http://, https://, file:// or a path)");
        }
        return new Folder(Path.of(l));
    }

    /** Copies the file at {@code path} to {@code out}, at most {@code maxBytes}. */
    abstract void copy(String path, OutputStream out, long maxBytes) throws IOException;

    byte[] read(String path, long maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy(path, out, maxBytes);
        return out.toByteArray();
    }

    abstract String describe();

    static void copyBounded(InputStream in, OutputStream out, long maxBytes, String what) throws IOException {
        byte[] buffer = new byte[65536];
        long total = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            total += n;
            if (total > maxBytes) {
                throw new IOException(what + " is larger than " + maxBytes + " bytes; refusing to read on");
            }
            out.write(buffer, 0, n);
        }
    }

    private static final class Folder extends Transport {
        private final Path root;

        Folder(Path root) {
            this.root = root.toAbsolutePath().normalize();
        }

        @Override
        void copy(String path, OutputStream out, long maxBytes) throws IOException {
            Path file = root.resolve(path).normalize();
            if (!file.startsWith(root)) {
                throw new IOException(path + " points outside the repository");
            }
            if (!Files.isDirectory(root)) {
                throw new NoSuchFileException(root.toString(), null, "the repository folder does not exist");
            }
            try (InputStream in = Files.newInputStream(file)) {
                copyBounded(in, out, maxBytes, file.toString());
            }
        }

        @Override
        String describe() {
            return root.toString();
        }
    }

    private static final class Http extends Transport {
        private final URI base;

        Http(URI base) {
            this.base = base;
        }

        @Override
        void copy(String path, OutputStream out, long maxBytes) throws IOException {
            URI uri = base.resolve(path);
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            c.setInstanceFollowRedirects(true);
            c.setRequestProperty("User-Agent", "klp");
            try {
                int status = c.getResponseCode();
                if (status == 404 || status == 410) {
                    throw new NoSuchFileException(uri.toString(), null, "HTTP " + status);
                }
                if (status != 200) {
                    throw new IOException(uri + " answered HTTP " + status);
                }
                long length = c.getContentLengthLong();
                if (length > maxBytes) {
                    throw new IOException(uri + " is " + length + " bytes, larger than " + maxBytes + "; refusing it");
                }
                try (InputStream in = c.getInputStream()) {
                    copyBounded(in, out, maxBytes, uri.toString());
                }
            } catch (FileNotFoundException e) {
                throw new NoSuchFileException(uri.toString(), null, "not found");
            } finally {
                c.disconnect();
            }
        }

        @Override
        String describe() {
            return base.toString();
        }
    }
}
