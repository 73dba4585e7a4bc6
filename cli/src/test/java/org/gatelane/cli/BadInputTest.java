package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input gets one line on stderr that names the problem, a non-zero exit, no stack trace, and
 * leaves an existing checkpoint untouched.
 */
class BadInputTest {

    @TempDir
    Path folder;
    private Path text;
    private Path model;
    private byte[] savedModel;

    @BeforeEach
    void trainASmallModel() throws Exception {
        text = folder.resolve("text.txt");
        Files.writeString(text, "a small text for a small model, repeated. ".repeat(10), StandardCharsets.UTF_8);
        model = folder.resolve("model.gatelane");
        Cli trained = Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--hidden", "8",
                "--seq-length", "5", "--iterations", "10", "--sample-every", "5");
        assertEquals(0, trained.exitCode(), trained.err());
        savedModel = Files.readAllBytes(model);
    }

    /** Runs a command that must fail and checks the shape of its complaint; returns the message. */
    private String fails(String... args) throws Exception {
        Cli result = Cli.run(args);
        assertNotEquals(0, result.exitCode(), "exit code of " + String.join(" ", args));
        String err = result.err().strip();
        assertFalse(err.isEmpty(), "an error message");
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace or exception name: " + err);
        assertTrue(err.startsWith("gatelane: "), err);
        assertArrayEquals(savedModel, Files.readAllBytes(model), "the saved checkpoint is untouched");
        return err;
    }

    private String trainForcedOn(Path corpus) throws Exception {
        return fails("train", "--text", corpus.toString(), "--checkpoint", model.toString(), "--force", "--hidden", "8",
                "--seq-length", "5", "--iterations", "10");
    }

    @Test
    void missingText() throws Exception {
        assertTrue(trainForcedOn(folder.resolve("nowhere.txt")).contains("nowhere.txt does not exist"));
    }

    @Test
    void folderInsteadOfText() throws Exception {
        assertTrue(trainForcedOn(folder).contains("is a folder"));
    }

    @Test
    void emptyText() throws Exception {
        Path empty = Files.createFile(folder.resolve("empty.txt"));
        assertTrue(trainForcedOn(empty).contains("is empty"));
    }

    @Test
    void malformedUtf8NamesTheByteOffset() throws Exception {
        Path bad = folder.resolve("bad.txt");
        byte[] bytes = "valid text then ".getBytes(StandardCharsets.UTF_8);
        byte[] withBadByte = new byte[bytes.length + 3];
        System.arraycopy(bytes, 0, withBadByte, 0, bytes.length);
        withBadByte[bytes.length] = (byte) 0xC3; // a lead byte followed by a non-continuation byte
        withBadByte[bytes.length + 1] = 'x';
        withBadByte[bytes.length + 2] = 'y';
        Files.write(bad, withBadByte);
        assertTrue(trainForcedOn(bad).contains("at byte offset " + bytes.length));
    }

    @Test
    void textTooShortForOneChunkSaysHowLong() throws Exception {
        Path shortText = folder.resolve("short.txt");
        Files.writeString(shortText, "abc");
        assertTrue(trainForcedOn(shortText).contains("needs at least 6"));
    }

    @Test
    void existingCheckpointIsNeverReplacedWithoutForce() throws Exception {
        assertTrue(fails("train", "--text", text.toString(), "--checkpoint", model.toString(), "--iterations", "5")
                .contains("already exists"));
    }

    @Test
    void truncatedCheckpoint() throws Exception {
        Path truncated = folder.resolve("truncated.gatelane");
        Files.write(truncated, java.util.Arrays.copyOf(savedModel, savedModel.length / 2));
        assertTrue(fails("sample", "--model", truncated.toString()).contains("truncated or corrupt"));
    }

    @Test
    void corruptCheckpointFailsItsChecksum() throws Exception {
        Path corrupt = folder.resolve("corrupt.gatelane");
        byte[] bytes = savedModel.clone();
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(corrupt, bytes);
        assertTrue(fails("eval", "--model", corrupt.toString(), "--text", text.toString()).contains("checksum"));
    }

    @Test
    void foreignFileIsNotACheckpoint() throws Exception {
        assertTrue(fails("sample", "--model", text.toString()).contains("not a Gatelane checkpoint"));
    }

    @Test
    void newerFormatVersionAsksForAnUpgrade() throws Exception {
        Path newer = folder.resolve("newer.gatelane");
        byte[] bytes = savedModel.clone();
        ByteBuffer.wrap(bytes).putInt(8, 99);
        Files.write(newer, bytes);
        assertTrue(fails("sample", "--model", newer.toString()).contains("format version 99"));
    }

    @Test
    void resumeOfAMissingCheckpoint() throws Exception {
        assertTrue(fails("train", "--text", text.toString(), "--checkpoint", folder.resolve("none.gatelane").toString(),
                "--resume").contains("does not exist"));
    }

    @Test
    void nonsenseOptions() throws Exception {
        assertTrue(fails("train", "--hidden", "-3", "--checkpoint", model.toString(), "--force")
                .contains("--hidden must be at least 1"));
        assertTrue(fails("train", "--seq-length", "0", "--checkpoint", model.toString(), "--force")
                .contains("--seq-length"));
        assertTrue(fails("train", "--restart-every", "-1", "--checkpoint", model.toString(), "--force")
                .contains("--restart-every must be at least 0"));
        assertTrue(fails("train", "--optimizer", "adagrad", "--checkpoint", model.toString(), "--force")
                .contains("Invalid value for option '--optimizer': expected one of sgd, rmsprop, adam, adamw but was 'adagrad'"));
        assertTrue(fails("train", "--cell", "elman", "--checkpoint", model.toString(), "--force")
                .contains("Invalid value for option '--cell': expected one of lstm, gru, rnn but was 'elman'"));
        assertTrue(fails("sample", "--model", model.toString(), "--unknown", "drop")
                .contains("Invalid value for option '--unknown': expected one of error, skip but was 'drop'"));
        assertTrue(Cli.run("train", "--help").out().replaceAll("\\s+", " ").contains("lstm, gru, rnn (default: lstm)"),
                "--help lists an enum option's values");
        assertTrue(fails("train", "--hidden", "many").contains("--hidden"));
        assertTrue(fails("sample", "--model", model.toString(), "--top-p", "0").contains("--top-p must be in (0.0, 1.0]"));
        assertTrue(fails("sample", "--model", model.toString(), "--top-p", "1.5").contains("--top-p"));
        assertTrue(fails("sample", "--model", model.toString(), "--temperature", "-1").contains("--temperature"));
        assertTrue(fails("sample", "--model", model.toString(), "--length", "-5").contains("--length"));
    }

    /** Sizes are checked for overflow and against the heap before anything is allocated. */
    @Test
    void sizesBeyondAnArrayOrTheHeapAreRefusedWithTheBytesTheyNeed() throws Exception {
        String huge = fails("train", "--text", text.toString(), "--checkpoint", model.toString(), "--force",
                "--hidden", "100000");
        assertTrue(huge.contains("H=100000") && huge.contains("parameters (") && huge.contains("GB)"), huge);
        String heap = fails("train", "--text", text.toString(), "--checkpoint", model.toString(), "--force",
                "--hidden", "20000");
        assertTrue(heap.contains("of heap but this JVM may use") && heap.contains(" GB"), heap);
        String streams = fails("train", "--text", text.toString(), "--checkpoint", model.toString(), "--force",
                "--batch-size", "2000000000", "--seq-length", "2000000000");
        assertTrue(streams.contains("streams"), streams);
    }

    @Test
    void primeWithUnknownCharactersIsNamedOrSkipped() throws Exception {
        assertTrue(fails("sample", "--model", model.toString(), "--prime", "a€z").contains("'€' (U+20AC)"));
        Cli skipped = Cli.run("sample", "--model", model.toString(), "--prime", "a€", "--unknown", "skip", "--length",
                "20");
        assertEquals(0, skipped.exitCode(), skipped.err());
        assertTrue(skipped.out().startsWith("a"), skipped.out());
        assertEquals(21, skipped.out().strip().codePointCount(0, skipped.out().strip().length()));
    }

    @Test
    void evalOfATextWithUnseenCharacters() throws Exception {
        Path other = folder.resolve("other.txt");
        Files.writeString(other, "Zebra!");
        assertTrue(fails("eval", "--model", model.toString(), "--text", other.toString()).contains("'Z'"));
    }
}
