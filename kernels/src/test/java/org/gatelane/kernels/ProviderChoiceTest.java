package org.gatelane.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The provider chooses once per JVM, so each case runs in a fresh child JVM: bad properties reach the caller as
 * the front door's {@link IllegalArgumentException} with its message (never {@code ExceptionInInitializerError}),
 * every time it is asked, and the kernels name their implementation and width.
 */
class ProviderChoiceTest {

    /** Prints what {@code Kernels.preferred()} gives, twice: the kernels' toString, or the exception's class and message. */
    public static void main(String[] args) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                System.out.println(Kernels.preferred());
            } catch (Throwable e) {
                System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-Dgatelane.kernels=gpu | IllegalArgumentException: -Dgatelane.kernels=gpu is not a kernel choice; use scalar or vector",
            "-Dgatelane.vectorBits=384 | IllegalArgumentException: -Dgatelane.vectorBits=384 is not a vector width; use 128, 256 or 512",
            "-Dgatelane.kernels=scalar | checked scalar",
            "-Dgatelane.vectorBits=128 | checked vector-128"})
    void propertiesGiveTheFrontDoorsAnswerEveryTime(String property, String expected) throws Exception {
        List<String> lines = runChild(property);
        assertEquals(List.of(expected, expected), lines);
    }

    @ParameterizedTest
    @CsvSource({"256", "512"})
    void aWidthWiderThanTheCpusIsRefusedNamingTheWidest(int bits) throws Exception {
        int widest = jdk.incubator.vector.FloatVector.SPECIES_MAX.vectorBitSize();
        List<String> lines = runChild("-Dgatelane.vectorBits=" + bits);
        if (bits <= widest) {
            assertEquals(List.of("checked vector-" + bits, "checked vector-" + bits), lines);
        } else {
            String refusal = "IllegalArgumentException: -Dgatelane.vectorBits=" + bits + " is wider than this CPU's "
                    + "widest float vectors (" + widest + " bits); use " + widest + " or less";
            assertEquals(List.of(refusal, refusal), lines);
        }
    }

    private static List<String> runChild(String property) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
                "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", property,
                "-cp", System.getProperty("java.class.path"), ProviderChoiceTest.class.getName()));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.waitFor(), out);
        assertTrue(!out.isBlank(), "the child printed nothing");
        return out.lines().toList();
    }
}
