package org.gatelane.core.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RandomModels;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.SequencePass;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/** Scoring a range: in chunks with carried state, one stream or pieces side by side. */
class EvaluationTest {

    private static final Corpus CORPUS = Corpus.of("the keeper logs the fog and the ships that pass at night. "
            .repeat(6));

    @Test
    void chunksWithCarriedStateScoreLikeOnePassOverTheWholeRange() {
        PropertyCases.check("evaluation-one-stream", 20, random -> {
            RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(CORPUS.vocabulary().size(), 9,
                    1 + random.nextInt(2)), random.nextLong());
            int from = random.nextInt(50);
            int to = from + 2 + random.nextInt(200);
            int steps = 1 + random.nextInt(30);
            Evaluation chunked = Evaluation.of(model, RandomModels.VECTOR, CORPUS, from, to, steps);
            int n = to - 1 - from;
            float whole = new SequencePass(model, RandomModels.VECTOR, n, 1).loss(CORPUS.symbols(from, to - 1),
                    CORPUS.symbols(from + 1, to), RecurrentState.zeros(model.shape(), 1), null);
            assertEquals(n, chunked.symbols());
            assertEquals(whole, chunked.nats(), 1e-5);
        });
    }

    @Test
    void piecesSideBySideScoreLikeEachPieceAlone() {
        PropertyCases.check("evaluation-streams", 20, random -> {
            RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(CORPUS.vocabulary().size(), 7, 1),
                    random.nextLong());
            int from = random.nextInt(30);
            int to = from + 2 + random.nextInt(250);
            int steps = 1 + random.nextInt(20);
            int streams = 1 + random.nextInt(6);
            Evaluation together = Evaluation.of(model, RandomModels.VECTOR, CORPUS, from, to, steps, streams);
            long predictions = to - 1L - from;
            int piece = (int) (predictions / streams);
            double total = 0;
            int at = from;
            for (int s = 0; s < (piece > 0 ? streams : 0); s++, at += piece) {
                total += Evaluation.of(model, RandomModels.VECTOR, CORPUS, at, at + piece + 1, steps).nats() * piece;
            }
            if (at < to - 1) {
                total += Evaluation.of(model, RandomModels.VECTOR, CORPUS, at, to, steps).nats() * (to - 1 - at);
            }
            assertEquals(predictions, together.symbols());
            assertEquals(total / predictions, together.nats(), 1e-5);
        });
        assertThrows(CorpusException.class, () -> Evaluation.of(
                RecurrentModel.initialized(ModelShape.characterModel(CORPUS.vocabulary().size(), 3, 1), 1),
                RandomModels.SCALAR, CORPUS, 5, 6, 10, 4));
    }
}
