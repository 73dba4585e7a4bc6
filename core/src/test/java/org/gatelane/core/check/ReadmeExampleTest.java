package org.gatelane.core.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gatelane.core.infer.Sampler;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.Rng;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.TextBatches;
import org.gatelane.core.train.GradientClipping;
import org.gatelane.core.train.LearningRateSchedule;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.Trainer;
import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.RecurrentKernels;

import org.junit.jupiter.api.Test;

/** The README's example, verbatim between the markers, so the documented code is known to compile and learn. */
class ReadmeExampleTest {

    @Test
    void readmeExampleLearnsAndSamples() {
        // README-EXAMPLE-START
        Corpus corpus = Corpus.of("hello gatelane, hello lstm. ".repeat(20));
        RecurrentKernels kernels = Kernels.preferred();
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(corpus.vocabulary().size(), 64, 1), 42);
        Optimizer adam = new Optimizer(Optimizer.Kind.ADAM, Optimizer.Settings.defaults(), kernels,
                model.layout().size());
        TextBatches batches = new TextBatches(corpus, 0, corpus.length(), 25, 1);
        int[] inputs = new int[25], targets = new int[25];
        float loss = Float.NaN;
        try (Trainer trainer = new Trainer(model, kernels, 25, 1, adam, GradientClipping.globalNorm(5f),
                LearningRateSchedule.constant(0.005f))) {
            for (int i = 0; i < 400; i++) {
                if (batches.next(inputs, targets)) {
                    trainer.state().reset();               // a new epoch starts from a zero state
                }
                loss = trainer.step(inputs, targets);       // forward, backward, clip, Adam
            }
        }
        Sampler sampler = new Sampler(model, kernels);
        Rng rng = new Rng(1);
        int symbol = corpus.symbol(0);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            symbol = sampler.draw(sampler.feed(symbol), 0.5f, 0, 1f, rng);
            text.appendCodePoint(corpus.vocabulary().codePoint(symbol));
        }
        System.out.println("loss " + loss + " nats: " + text);
        // README-EXAMPLE-END
        assertTrue(loss < 0.3, "the example learns its text: loss " + loss);
        assertTrue(text.toString().contains("hello"), text.toString());
    }
}
