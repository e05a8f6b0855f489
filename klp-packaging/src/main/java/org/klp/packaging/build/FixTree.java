package org.klp.packaging.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a fix source tree from disk: one folder per fix, each with {@code fix.properties},
 * {@code patched_funcs.csv} and its {@code *.c}/{@code *.h} files, in folder name order. Other
 * files (a README) are left alone. The tree is input from someone else: symbolic links are
 * refused (a link could pull any file of the build machine into a module), as are files over
 * {@value #MAX_FILE_BYTES} bytes, more than {@value #MAX_FILES_PER_FIX} sources in one fix or
 * more than {@value #MAX_FIXES} fixes, names make or the shell would misread, and text that is
 * not UTF-8.
 */
public final class FixTree {

    static final int MAX_FILE_BYTES = 1 << 20;
    static final int MAX_FILES_PER_FIX = 200;
    static final int MAX_FIXES = 1000;
    private static final java.util.regex.Pattern SAFE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}");

    private FixTree() {
    }

    /** The fixes of the tree at {@code root}, checked one by one ({@link FixSourceParser}). */
    public static List<FixSource> read(Path root) {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new FixSourceException(root + " is not a folder of fixes (expected one folder per fix, each with "
                    + FixSourceParser.PROPERTIES + " and " + FixSourceParser.FUNCTIONS + ")");
        }
        List<Path> folders;
        try (Stream<Path> s = Files.list(root)) {
            folders = s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + root + ": " + e.getMessage(), e);
        }
        List<FixSource> out = new ArrayList<>();
        for (Path folder : folders) {
            if (Files.isSymbolicLink(folder)) {
                throw new FixSourceException(folder + " is a symbolic link; fix folders must be real folders inside " + root);
            }
            if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (out.size() == MAX_FIXES) {
                throw new FixSourceException(root + " holds more than " + MAX_FIXES + " fix folders");
            }
            out.add(readFix(folder));
        }
        return out;
    }

    private static FixSource readFix(Path folder) {
        String name = folder.getFileName().toString();
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new FixSourceException(folder + ": folder name must be letters, digits and _ . + - (it becomes part of a build path)");
        }
        Path props = folder.resolve(FixSourceParser.PROPERTIES);
        Path funcs = folder.resolve(FixSourceParser.FUNCTIONS);
        List<FixSource.SourceFile> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path f : s.sorted().toList()) {
                String fileName = f.getFileName().toString();
                if (!fileName.endsWith(".c") && !fileName.endsWith(".h")) {
                    continue;
                }
                if (!SAFE_NAME.matcher(fileName).matches()) {
                    throw new FixSourceException(f + ": file name must be letters, digits and _ . + -");
                }
                if (files.size() == MAX_FILES_PER_FIX) {
                    throw new FixSourceException(folder + " holds more than " + MAX_FILES_PER_FIX + " C files and headers");
                }
                files.add(new FixSource.SourceFile(fileName, text(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + folder + ": " + e.getMessage(), e);
        }
        return FixSourceParser.parse(folder.toString(), text(props), text(funcs), files);
    }

    private static String text(Path file) {
        try {
            if (Files.isSymbolicLink(file)) {
                throw new FixSourceException(file + " is a symbolic link; fix sources must be regular files");
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(file.toString());
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new FixSourceException(file + " is " + size + " bytes, more than the " + MAX_FILE_BYTES + " a fix source may have");
            }
            byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new FixSourceException(file + " is missing (every fix folder has " + FixSourceParser.PROPERTIES + " and "
                    + FixSourceParser.FUNCTIONS + ")");
        } catch (CharacterCodingException e) {
            throw new FixSourceException(file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
