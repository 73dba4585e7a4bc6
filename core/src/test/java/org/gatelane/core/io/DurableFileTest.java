package org.gatelane.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
