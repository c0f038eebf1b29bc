package org.mydata.operator.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop load: N workers each run one operation after another for a warm-up and then a measured
 * window. Latencies and counts are kept only for operations that finish inside the measured window.
 */
final class Load {
    interface Op {
        void run(int worker, Recorder recorder) throws Exception;
    }

    /** What one worker saw; merged after the run. */
    static final class Recorder {
        private final Load load;
        private final Map<String, long[]> latencies = new HashMap<>();
        private final Map<String, Integer> sizes = new HashMap<>();
        private final Map<String, Long> counts = new HashMap<>();

        Recorder(Load load) {
            this.load = load;
        }

        /** Times one call; recorded under kind if it ends inside the measured window. */
        <T> T time(String kind, java.util.concurrent.Callable<T> call) throws Exception {
            long start = System.nanoTime();
            T result = call.call();
            long end = System.nanoTime();
            if (load.measuring(end)) {
                long[] a = latencies.computeIfAbsent(kind, k -> new long[1024]);
                int n = sizes.getOrDefault(kind, 0);
                if (n == a.length) {
                    a = Arrays.copyOf(a, n * 2);
                    latencies.put(kind, a);
                }
                a[n] = end - start;
                sizes.put(kind, n + 1);
            }
            return result;
        }

        void count(String name, long n) {
            if (load.measuring(System.nanoTime())) {
                counts.merge(name, n, Long::sum);
            }
        }
    }

    /** Merged figures of a run. */
    record Result(double seconds, Map<String, long[]> latencies, Map<String, Long> counts, long errors,
                  String firstError) {
        double rate(String count) {
            return counts.getOrDefault(count, 0L) / seconds;
        }

        double ops(String kind) {
            long[] l = latencies.get(kind);
            return l == null ? 0 : l.length / seconds;
        }

        long n(String kind) {
            long[] l = latencies.get(kind);
            return l == null ? 0 : l.length;
        }

        /** Percentile in milliseconds over one kind, or over all kinds when kind is null. */
        double percentileMs(String kind, double p) {
            long[] all;
            if (kind == null) {
                all = latencies.values().stream().flatMapToLong(Arrays::stream).toArray();
            } else {
                all = latencies.getOrDefault(kind, new long[0]);
            }
            return Stats.percentile(all, p) / 1e6;
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000));
        }
    }

    private volatile long measureFrom = Long.MAX_VALUE;
    private volatile long measureUntil = Long.MAX_VALUE;

    private boolean measuring(long t) {
        return t >= measureFrom && t <= measureUntil;
    }

    static Result run(String name, int threads, Duration warmup, Duration measure, Op op) {
        return new Load().go(name, threads, warmup, measure, op, () -> { }, () -> { });
    }

    /** As {@link #run}, calling onStart when the measured window opens and onEnd when it closes. */
    static Result run(String name, int threads, Duration warmup, Duration measure, Op op, Runnable onStart,
                      Runnable onEnd) {
        return new Load().go(name, threads, warmup, measure, op, onStart, onEnd);
    }

    private Result go(String name, int threads, Duration warmup, Duration measure, Op op, Runnable onStart,
                      Runnable onEnd) {
        long start = System.nanoTime();
        measureFrom = start + warmup.toNanos();
        measureUntil = measureFrom + measure.toNanos();
        List<Recorder> recorders = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(threads);
        for (int w = 0; w < threads; w++) {
            Recorder r = new Recorder(this);
            recorders.add(r);
            int worker = w;
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < measureUntil) {
                        try {
                            op.run(worker, r);
                        } catch (Exception | AssertionError e) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, e.toString());
                            if (errors.get() > 1000) {
                                return;
                            }
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, name + "-" + w);
            t.setDaemon(true);
            t.start();
        }
        Progress.say("%s: %d workers, %ds warm-up, %ds measured", name, threads, warmup.toSeconds(), measure.toSeconds());
        try {
            sleepUntil(measureFrom);
            onStart.run();
            sleepUntil(measureUntil);
            onEnd.run();
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, List<long[]>> parts = new ConcurrentHashMap<>();
        Map<String, Long> counts = new HashMap<>();
        for (Recorder r : recorders) {
            r.latencies.forEach((k, a) -> parts.computeIfAbsent(k, x -> new ArrayList<>())
                    .add(Arrays.copyOf(a, r.sizes.get(k))));
            r.counts.forEach((k, v) -> counts.merge(k, v, Long::sum));
        }
        Map<String, long[]> merged = new HashMap<>();
        parts.forEach((k, list) -> merged.put(k, list.stream().flatMapToLong(Arrays::stream).toArray()));
        if (errors.get() > 0) {
            Progress.say("%s: %d errors, first: %s", name, errors.get(), firstError.get());
        }
        return new Result(measure.toNanos() / 1e9, merged, counts, errors.get(), firstError.get());
    }
}
