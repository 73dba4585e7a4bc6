package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every output is checked: standard output that fails, --plot's path, and what sample and resume print. */
class OutputsTest {

    @TempDir
    Path folder;

    private Path text;
    private Path model;

    @BeforeEach
    void trainASmallModel() throws IOException {
        text = folder.resolve("text.txt");
        Files.writeString(text, "outputs are checked, every one of them. ".repeat(10), StandardCharsets.UTF_8);
        model = folder.resolve("m.gatelane");
        assertEquals(0, Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--hidden", "8",
                "--seq-length", "8", "--iterations", "10", "--sample-every", "1000").exitCode());
    }

    /** Standard output that accepts {@code capacity} bytes, then fails as a closed pipe or a full disk does. */
    private static final class FailingOutput extends OutputStream {
        private long left;

        FailingOutput(long capacity) {
            this.left = capacity;
        }

        @Override
        public void write(int b) throws IOException {
            if (left-- <= 0) {
                throw new IOException("Broken pipe");
            }
        }
    }

    private static Cli runInto(OutputStream out, String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(code, "", err.toString());
    }

    @Test
    void sampleStopsWhenItsReaderGoesAway() {
        Cli cut = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runInto(new FailingOutput(100), "sample",
                "--model", model.toString(), "--length", "2000000000"));
        assertEquals(1, cut.exitCode());
        assertEquals("gatelane: " + Main.CLOSED_OUTPUT, cut.err().strip());
    }

    @Test
    void evalAndExportSayWhenTheirOutputCannotBeWritten() {
        Cli eval = runInto(new FailingOutput(0), "eval", "--model", model.toString(), "--text", text.toString());
        assertEquals(1, eval.exitCode());
        assertEquals("gatelane: " + Main.CLOSED_OUTPUT, eval.err().strip());
        Cli export = runInto(new FailingOutput(0), "export", "--model", model.toString(), "--to",
                folder.resolve("m.safetensors").toString());
        assertEquals(1, export.exitCode());
        assertEquals("gatelane: " + Main.CLOSED_OUTPUT, export.err().strip());
    }

    @Test
    void trainStopsWithOneLineWhenItsConsoleGoesAway() {
        Cli train = runInto(new FailingOutput(300), "train", "--text", text.toString(), "--checkpoint",
                folder.resolve("t.gatelane").toString(), "--hidden", "8", "--seq-length", "8", "--iterations", "500",
                "--sample-every", "5", "--checkpoint-every", "100");
        assertEquals(1, train.exitCode());
        assertEquals("gatelane: " + Main.CLOSED_OUTPUT, train.err().strip());
    }

    @Test
    void sampleLengthIsTheNumberOfCharactersPrintedWithOrWithoutAPrime() {
        for (int length : new int[] {0, 1, 37}) {
            Cli plain = Cli.run("sample", "--model", model.toString(), "--length", Integer.toString(length));
            // The text is ASCII, one char per character, and the sample ends with one line break.
            assertEquals(length, plain.out().length() - 1, "--length " + length + ": '" + plain.out() + "'");
            Cli primed = Cli.run("sample", "--model", model.toString(), "--length", Integer.toString(length),
                    "--prime", "out");
            assertEquals("out".length() + length, primed.out().length() - 1, "--prime out --length " + length);
        }
    }

    @Test
    void plotWritesExactlyThePathGivenAndABadOneIsRefusedBeforeTraining() throws IOException {
        Path png = folder.resolve("losses.chart");
        Path run = folder.resolve("p.gatelane");
        assertEquals(0, Cli.run("train", "--text", text.toString(), "--checkpoint", run.toString(), "--hidden", "8",
                "--seq-length", "8", "--iterations", "4", "--checkpoint-every", "2", "--plot", png.toString())
                .exitCode());
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G'};
        assertArrayEquals(magic, java.util.Arrays.copyOf(Files.readAllBytes(png), 4));
        assertFalse(Files.exists(folder.resolve("losses.chart.png")));

        Path refusedRun = folder.resolve("r.gatelane");
        String[][] bad = {{folder.toString(), "is a folder"}, {"/dev/full", "is not a regular file"},
                {folder.resolve("nowhere/x.png").toString(), "does not exist"}};
        for (String[] plot : bad) {
            Cli refused = Cli.run("train", "--text", text.toString(), "--checkpoint", refusedRun.toString(),
                    "--iterations", "4", "--plot", plot[0]);
            assertEquals(1, refused.exitCode(), plot[0]);
            assertEquals(1, refused.err().strip().lines().count(), refused.err());
            assertTrue(refused.err().contains(plot[1]), refused.err());
            assertFalse(Files.exists(refusedRun), "refused before training: " + plot[0]);
        }
        assertFalse(Files.exists(Path.of("/dev/full.png")));
    }

    @Test
    void resumingAFinishedRunSaysSoInsteadOfTrainingNothing() {
        Cli again = Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--resume",
                "--iterations", "10");
        assertEquals(2, again.exitCode());
        assertTrue(again.err().startsWith("gatelane: the run in " + model + " already reached iteration 10; give "
                + "--iterations or --epochs beyond it to train further"), again.err());
        assertFalse(again.out().contains("iterations 11..10"), again.out());
    }

    @Test
    void anEmptyPrimeFileOrVocabularyIsNamedAsSuch() throws IOException {
        Path empty = Files.writeString(folder.resolve("empty.txt"), "");
        Cli prime = Cli.run("sample", "--model", model.toString(), "--prime-file", empty.toString());
        assertEquals(1, prime.exitCode());
        assertTrue(prime.err().contains("--prime-file " + empty + " is empty"), prime.err());
        Cli vocab = Cli.run("import", "--from", folder.resolve("any.safetensors").toString(), "--vocab",
                empty.toString(), "--out", folder.resolve("i.gatelane").toString());
        assertEquals(1, vocab.exitCode());
        assertTrue(vocab.err().contains("--vocab " + empty + " is empty"), vocab.err());
    }
}
