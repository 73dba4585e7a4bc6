package org.gatelane.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cache sizes the operating system reports for the first core, which the GEMM engine's blocks are cut to.
 * Where Linux's sysfs is not there to read (another OS, a sandbox), the smallest L1 of the x86 cores the
 * kernels are tuned on, 32 KB, so that a block is never larger than the cache it was meant for.
 */
final class CacheSizes {

    static final int DEFAULT_L1_DATA_BYTES = 32 * 1024;

    private static final Path CACHES = Path.of("/sys/devices/system/cpu/cpu0/cache");

    private CacheSizes() {
    }

    /** The level-1 data cache of one core, in bytes. */
    static int l1DataBytes() {
        for (int index = 0; index < 8; index++) {
            Path cache = CACHES.resolve("index" + index);
            try {
                if (read(cache, "level").equals("1") && !read(cache, "type").equals("Instruction")) {
                    return parseSize(read(cache, "size"));
                }
            } catch (IOException | RuntimeException unreadable) {
                return DEFAULT_L1_DATA_BYTES;
            }
        }
        return DEFAULT_L1_DATA_BYTES;
    }

    /** sysfs writes sizes as {@code 48K}, {@code 1024K} or {@code 32M}; anything else is not a size. */
    static int parseSize(String size) {
        char unit = size.charAt(size.length() - 1);
        int scale = switch (unit) {
            case 'K' -> 1024;
            case 'M' -> 1024 * 1024;
            default -> 1;
        };
        String digits = Character.isDigit(unit) ? size : size.substring(0, size.length() - 1);
        return Math.multiplyExact(Integer.parseInt(digits), scale);
    }

    private static String read(Path cache, String file) throws IOException {
        return Files.readString(cache.resolve(file)).strip();
    }
}
