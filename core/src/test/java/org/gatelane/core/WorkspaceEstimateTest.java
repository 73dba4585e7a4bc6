package org.gatelane.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.gatelane.testing.PropertyCases;
import org.junit.jupiter.api.Test;

/**
 * The sizes the heap check relies on are upper bounds of what is really allocated, and close ones: a check that
 * refuses too little lets an OutOfMemoryError through, one that refuses too much turns users away.
 */
class WorkspaceEstimateTest {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void estimatesBoundWhatBpttAndTrainerAllocate() {
        PropertyCases.check("workspace-estimates", 30, random -> {
            LstmShape shape = LstmShape.characterModel(2 + random.nextInt(80), 8 + random.nextInt(120),
                    1 + random.nextInt(3));
            int steps = 1 + random.nextInt(60);
            int streams = 1 + random.nextInt(12);
            float dropout = random.nextBoolean() ? 0f : 0.3f;
            LstmModel model = LstmModel.initialized(shape, 1);
            Optimizer.Kind kind = Optimizer.Kind.values()[random.nextInt(4)];
            Trainer.Batching batching = new Trainer.Batching(steps, streams, 1 + random.nextInt(streams), 1, dropout);

            long before = THREADS.getCurrentThreadAllocatedBytes();
            Bptt bptt = new Bptt(model, RandomModels.VECTOR, steps, streams, dropout);
            long bpttBytes = THREADS.getCurrentThreadAllocatedBytes() - before;
            long bpttEstimate = 4 * Bptt.workspaceFloats(shape, steps, streams, dropout);
            assertTrue(bpttBytes <= bpttEstimate + 16_384 && bpttEstimate <= 2 * bpttBytes + 65_536,
                    "Bptt allocated " + bpttBytes + " bytes, estimated " + bpttEstimate + " for " + shape + ", T="
                            + steps + ", B=" + streams + ", p=" + dropout + " " + bptt.steps());

            before = THREADS.getCurrentThreadAllocatedBytes();
            Optimizer optimizer = new Optimizer(kind, Optimizer.Settings.defaults(), RandomModels.VECTOR,
                    model.layout().size());
            LstmModel copy = new LstmModel(shape, model.parameters().clone());
            try (Trainer trainer = new Trainer(copy, RandomModels.VECTOR, optimizer, GradientClipping.none(),
                    LearningRateSchedule.constant(0.01f), batching, new Rng(1))) {
                long trainerBytes = THREADS.getCurrentThreadAllocatedBytes() - before;
                long trainerEstimate = Trainer.requiredBytes(shape, kind, batching);
                assertTrue(trainerBytes <= trainerEstimate + 65_536 && trainerEstimate <= 2 * trainerBytes + 65_536,
                        "trainer with model allocated " + trainerBytes + " bytes, estimated " + trainerEstimate
                                + " for " + shape + ", " + batching + ", " + kind + " " + trainer.batching());
            }
        });
    }
}
