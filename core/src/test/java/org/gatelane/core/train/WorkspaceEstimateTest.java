package org.gatelane.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RandomModels;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.Rng;
import org.gatelane.core.model.SequencePass;
import org.gatelane.kernels.RecurrentKernels;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/**
 * The sizes the heap check relies on are upper bounds of what is really allocated, and close ones: a check that
 * refuses too little lets an OutOfMemoryError through, one that refuses too much turns users away. And once
 * built, a trainer's steps allocate nothing at all.
 */
class WorkspaceEstimateTest {

    /** A random one-thread batching (steps, streams, dropout 0 or {@code rate}, stream groups) and optimizer. */
    private record Training(Trainer.Batching batching, Optimizer.Kind kind) {

        static Training draw(SplittableRandom random, int maxSteps, int maxStreams, float rate) {
            int steps = 1 + random.nextInt(maxSteps);
            int streams = 1 + random.nextInt(maxStreams);
            float dropout = random.nextBoolean() ? 0f : rate;
            Optimizer.Kind kind = Optimizer.Kind.values()[random.nextInt(4)];
            return new Training(new Trainer.Batching(steps, streams, 1 + random.nextInt(streams), 1, dropout), kind);
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void estimatesBoundWhatBpttAndTrainerAllocate() {
        // The first of each kind in a JVM also initialises classes (tens of KB), which no estimate should count.
        RecurrentModel first = RecurrentModel.initialized(ModelShape.characterModel(3, 4, 1), 1);
        new SequencePass(first, RandomModels.VECTOR, 2, 2, 0.5f);
        new Trainer(first, RandomModels.VECTOR, new Optimizer(Optimizer.Kind.ADAM, Optimizer.Settings.defaults(),
                RandomModels.VECTOR, first.layout().size()), GradientClipping.none(),
                LearningRateSchedule.constant(0.01f), new Trainer.Batching(2, 2, 2, 1, 0f), new Rng(1)).close();
        PropertyCases.check("workspace-estimates", 30, random -> {
            ModelShape shape = ModelShape.characterModel(2 + random.nextInt(80), 8 + random.nextInt(120),
                    1 + random.nextInt(3));
            Training training = Training.draw(random, 60, 12, 0.3f);
            Trainer.Batching batching = training.batching();
            Optimizer.Kind kind = training.kind();
            int steps = batching.steps();
            int streams = batching.streams();
            float dropout = batching.dropout();
            RecurrentModel model = RecurrentModel.initialized(shape, 1);

            // The estimates count each packed copy of the recurrent weights at the widest panel any kernels pad
            // to; the kernels at hand pad less, or not at all at one stream, and small models feel it most.
            long panelPadding = 4L * shape.layers() * RecurrentKernels.MAX_PANEL_WIDTH
                    * (shape.gateWidth() + shape.hiddenSize());
            long before = THREADS.getCurrentThreadAllocatedBytes();
            SequencePass bptt = new SequencePass(model, RandomModels.VECTOR, steps, streams, dropout);
            long bpttBytes = THREADS.getCurrentThreadAllocatedBytes() - before;
            long bpttEstimate = 4 * SequencePass.workspaceFloats(shape, steps, streams, dropout);
            assertTrue(bpttBytes <= bpttEstimate + 16_384
                            && bpttEstimate <= 2 * bpttBytes + 65_536 + panelPadding,
                    "SequencePass allocated " + bpttBytes + " bytes, estimated " + bpttEstimate + " for " + shape + ", T="
                            + steps + ", B=" + streams + ", p=" + dropout + " " + bptt.steps());

            before = THREADS.getCurrentThreadAllocatedBytes();
            Optimizer optimizer = new Optimizer(kind, Optimizer.Settings.defaults(), RandomModels.VECTOR,
                    model.layout().size());
            RecurrentModel copy = new RecurrentModel(shape, model.parameters().clone());
            try (Trainer trainer = new Trainer(copy, RandomModels.VECTOR, optimizer, GradientClipping.none(),
                    LearningRateSchedule.constant(0.01f), batching, new Rng(1))) {
                long trainerBytes = THREADS.getCurrentThreadAllocatedBytes() - before;
                long trainerEstimate = Trainer.requiredBytes(shape, kind, batching);
                assertTrue(trainerBytes <= trainerEstimate + 65_536
                                && trainerEstimate <= 2 * trainerBytes + 65_536 + panelPadding,
                        "trainer with model allocated " + trainerBytes + " bytes, estimated " + trainerEstimate
                                + " for " + shape + ", " + batching + ", " + kind + " " + trainer.batching());
            }
        });
    }

    /**
     * On the scalar kernels, which allocate nothing even before the JIT compiles them (the vector ones box their
     * vectors until C2 has run, so their steady state is JMH's {@code -prof gc} to show): nothing is allocated
     * per step or per kernel call. The 8 KB and ten steps allowed over 100 steps are for the JIT: a step now and
     * then, when compiled code is installed, allocates a KB or so once (steps 11, 63 and 155 of one run, 0 B all
     * others); 16 bytes per kernel call would be over 30 KB, and one name built per argument check was 48 KB a step.
     * Counting the steps that allocate catches what the byte count alone let through: two iterators over the groups,
     * 64 bytes in every step until C2 compiled the step and removed them (a harness still saw them after a short
     * warm-up at every shape it tried, and no longer after 30,000 steps).
     */
    @Test
    void trainingStepsAllocateNothingPerKernelCall() {
        PropertyCases.check("steady-state-allocation", 12, random -> {
            ModelShape shape = ModelShape.characterModel(3 + random.nextInt(40), 4 + random.nextInt(40),
                    1 + random.nextInt(2));
            Training training = Training.draw(random, 12, 6, 0.25f);
            Trainer.Batching batching = training.batching();
            Optimizer.Kind kind = training.kind();
            int steps = batching.steps();
            int streams = batching.streams();
            RecurrentModel model = RecurrentModel.initialized(shape, random.nextLong());
            Optimizer optimizer = new Optimizer(kind, Optimizer.Settings.defaults(), RandomModels.SCALAR,
                    model.layout().size());
            int[] inputs = random.ints(steps * streams, 0, shape.inputSize()).toArray();
            int[] targets = random.ints(steps * streams, 0, shape.outputSize()).toArray();
            int measured = 100;
            try (Trainer trainer = new Trainer(model, RandomModels.SCALAR, optimizer, GradientClipping.globalNorm(5f),
                    LearningRateSchedule.constant(0.01f), batching, new Rng(2))) {
                for (int i = 0; i < 20; i++) {
                    trainer.step(inputs, targets);
                }
                long allocated = 0;
                int allocatingSteps = 0;
                for (int i = 0; i < measured; i++) {
                    long before = THREADS.getCurrentThreadAllocatedBytes();
                    trainer.step(inputs, targets);
                    long bytes = THREADS.getCurrentThreadAllocatedBytes() - before;
                    allocated += bytes;
                    allocatingSteps += bytes > 0 ? 1 : 0;
                }
                assertTrue(allocated <= 8192 && allocatingSteps <= 10, allocated + " bytes allocated by "
                        + allocatingSteps + " of " + measured + " steps of " + shape + ", " + batching + ", " + kind);
            }
        });
    }
}
