package org.gatelane.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writers of neighbouring names in one folder never touch each other's temporary files. */
class DurableFileTest {

    @TempDir
    Path folder;

    @Test
    void aWriteRemovesOnlyItsOwnNamesLeftovers() throws IOException {
        List<String> others = List.of(".m.v2.123.partial", ".m.best.55.partial", ".m.safetensors.9.partial",
                ".mm.4.partial", "m.8.partial");
        for (String name : others) {
            Files.writeString(folder.resolve(name), "another writer's");
        }
        Files.writeString(folder.resolve(".m.999.partial"), "a killed write of m");
        DurableFile.replace(folder.resolve("m"), out -> out.write(new byte[] {1, 2, 3}));
        try (Stream<Path> files = Files.list(folder)) {
            List<String> left = files.map(p -> p.getFileName().toString()).sorted().toList();
            List<String> expected = Stream.concat(others.stream(), Stream.of("m")).sorted().toList();
            assertEquals(expected, left);
        }
        assertEquals(3, Files.size(folder.resolve("m")));
    }

    /** A write that cannot replace its file says which file and why, and leaves the file as it was. */
    @Test
    void aFailedWriteNamesTheFileAndLeavesItAsItWas() throws IOException {
        Path target = folder.resolve("model.gatelane");
        Files.createDirectories(target.resolve("in the way"));
        IOException e = assertThrows(IOException.class, () -> DurableFile.replace(target, out -> out.write(1)));
        String reason = e.getMessage().substring(("cannot write " + target + ": ").length());
        assertTrue(e.getMessage().startsWith("cannot write " + target + ": "), e.getMessage());
        assertTrue(!reason.isBlank() && !reason.contains(folder.toString()), "a reason, not a path again: " + reason);
        assertTrue(Files.isDirectory(target.resolve("in the way")));
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(List.of("model.gatelane"), files.map(p -> p.getFileName().toString()).toList(),
                    "the temporary file is gone");
        }
    }
}
