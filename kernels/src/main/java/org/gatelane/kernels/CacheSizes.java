package org.gatelane.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;

/**
 * The data cache sizes the operating system reports for the first core: the GEMM engine cuts its blocks to them,
 * and the benchmark reports place each kernel's working set in them. Where Linux's sysfs is not there to read
 * (another OS, a sandbox), the GEMM engine assumes the smallest L1 of the x86 cores it is tuned on, 32 KB, so
 * that a block is never larger than the cache it was meant for.
 */
public final class CacheSizes {

    static final int DEFAULT_L1_DATA_BYTES = 32 * 1024;

    private static final Path CACHES = Path.of("/sys/devices/system/cpu/cpu0/cache");

    private CacheSizes() {
    }

    /** The data (or unified) cache of each level in bytes, L1 first; empty where sysfs cannot be read. */
    public static long[] dataCacheBytes() {
        TreeMap<Integer, Long> byLevel = new TreeMap<>();
        try (var entries = Files.newDirectoryStream(CACHES, "index*")) {
            for (Path index : entries) {
                if (!read(index, "type").equals("Instruction")) {
                    byLevel.put(Integer.parseInt(read(index, "level")), parseSize(read(index, "size")));
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            return new long[0];
        }
        return byLevel.values().stream().mapToLong(Long::longValue).toArray();
    }

    /** The level-1 data cache of one core in bytes, or {@link #DEFAULT_L1_DATA_BYTES} where none is reported. */
    static int l1DataBytes() {
        long[] caches = dataCacheBytes();
        return caches.length > 0 ? Math.toIntExact(caches[0]) : DEFAULT_L1_DATA_BYTES;
    }

    /** sysfs writes sizes as {@code 48K}, {@code 1024K} or {@code 32M}; anything else is not a size. */
    static long parseSize(String size) {
        char unit = size.charAt(size.length() - 1);
        long scale = switch (unit) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = Character.isDigit(unit) ? size : size.substring(0, size.length() - 1);
        return Math.multiplyExact(Long.parseLong(digits), scale);
    }

    private static String read(Path cache, String file) throws IOException {
        return Files.readString(cache.resolve(file)).strip();
    }
}
