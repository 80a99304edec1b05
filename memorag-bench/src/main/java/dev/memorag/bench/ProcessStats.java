package dev.memorag.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process measurements the benchmark commands report (Linux {@code /proc}; -1 or "unknown" elsewhere). */
final class ProcessStats {
    private ProcessStats() {
    }

    /** VmHWM, the peak resident set of this process, in bytes; -1 where unavailable. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.trim().split("\\s+")[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The machine's load averages as {@code /proc/loadavg} prints them. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** CPU time of the whole process (all threads, native ones included), from the JVM's OS bean; -1 if absent. */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }
}
