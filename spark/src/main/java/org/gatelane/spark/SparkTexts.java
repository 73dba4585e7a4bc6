package org.gatelane.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;
import org.gatelane.core.text.Vocabulary;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Texts read from any path Spark reads ({@code hdfs://}, {@code s3a://}, a local file), strictly as core reads a
 * local one. A remote text is copied to a local temporary file first, which is deleted once read.
 */
final class SparkTexts {

    private SparkTexts() {
    }

    /** The text at {@code location} over {@code vocabulary}, or its own if null. */
    static Corpus read(String location, Vocabulary vocabulary, Configuration hadoop) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
        String scheme = path.toUri().getScheme();
        if (scheme == null || scheme.equals("file")) {
            Path local = Path.of(path.toUri().getPath());
            if (!Files.exists(local)) {
                throw new CorpusException(location + " does not exist");
            }
            return Corpus.read(local, vocabulary);
        }
        FileSystem files = path.getFileSystem(hadoop);
        if (!files.exists(path)) {
            throw new CorpusException(location + " does not exist");
        }
        Path copy = Files.createTempFile("gatelane-text-", "-" + path.getName());
        try (InputStream in = files.open(path)) {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return Corpus.read(copy, vocabulary);
        } catch (CorpusException e) {
            throw new CorpusException(e.getMessage().replace(copy.toString(), location));
        } finally {
            Files.deleteIfExists(copy);
        }
    }
}
