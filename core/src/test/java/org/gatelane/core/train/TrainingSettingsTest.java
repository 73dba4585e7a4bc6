package org.gatelane.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.gatelane.core.model.Cell;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/** The one table of settings: what a checkpoint records, how older ones read, what a resume must keep. */
class TrainingSettingsTest {

    private static TrainingSettings draw(SplittableRandom random) {
        return new TrainingSettings(Cell.values()[random.nextInt(Cell.values().length)], 1 + random.nextInt(500),
                1 + random.nextInt(4), 1 + random.nextInt(200), 1 + random.nextInt(64), 1 + random.nextInt(4),
                Optimizer.Kind.values()[random.nextInt(Optimizer.Kind.values().length)],
                TrainingSchedule.Kind.values()[random.nextInt(TrainingSchedule.Kind.values().length)],
                (float) random.nextDouble(1e-5, 1), (float) random.nextDouble(0.1, 1), random.nextInt(100),
                1 + random.nextInt(5), random.nextInt(5), (float) random.nextDouble(0, 10),
                (float) random.nextDouble(0, 0.9), random.nextDouble(0, 0.5), random.nextBoolean() ? "" : "v é.txt",
                random.nextBoolean() ? "" : "base.gatelane", random.nextBoolean() ? Float.NaN : 1.5f,
                random.nextLong(), TrainingSettings.NonFinitePolicy.values()[random.nextInt(2)],
                1 + random.nextInt(100_000), random.nextBoolean() ? 0 : random.nextInt(100_000) / 10.0,
                random.nextInt(1000), random.nextInt(20));
    }

    @Test
    void everySettingRoundTripsThroughACheckpointsPairs() {
        PropertyCases.check("settings-round-trip", 200, random -> {
            TrainingSettings settings = draw(random);
            Map<String, String> pairs = settings.toOptions();
            assertEquals(TrainingSettings.Setting.values().length, pairs.size());
            assertEquals(settings, TrainingSettings.fromOptions(pairs));
        });
    }

    /** A resume must keep every setting that has an option; only the validation text's path may change. */
    @Test
    void differencesNameEachChangedSettingThatAResumeMustKeep() {
        PropertyCases.check("settings-differences", 100, random -> {
            TrainingSettings a = draw(random);
            TrainingSettings b = draw(random);
            for (TrainingSettings.Setting setting : TrainingSettings.Setting.values()) {
                boolean differs = !java.util.Objects.equals(setting.of(a), setting.of(b));
                assertEquals(differs && setting.option() != null, a.differences(b).contains(setting),
                        setting + ": " + setting.of(a) + " vs " + setting.of(b));
            }
            assertEquals(List.of(), a.differences(a));
        });
        assertNull(TrainingSettings.Setting.VAL_TEXT.option());
        assertNotNull(TrainingSettings.Setting.LEARNING_RATE.option());
    }

    /** A run that names no schedule gets the one every front end gets: core picks it, not each command. */
    @Test
    void aRunThatNamesNoScheduleGetsTheDefaultForItsBudget() {
        java.time.Duration tenMinutes = java.time.Duration.ofMinutes(10);
        assertEquals(TrainingSchedule.Kind.CONSTANT, TrainingSettings.builder().build().schedule());
        assertEquals(TrainingSchedule.Kind.COOLDOWN, TrainingSettings.builder().timeBudget(tenMinutes).build()
                .schedule());
        assertEquals(TrainingSchedule.Kind.STEP, TrainingSettings.builder().learningRateDecay(0.97f)
                .timeBudget(tenMinutes).build().schedule(), "a decay factor asks for step decay");
        assertEquals(TrainingSchedule.Kind.LINEAR, TrainingSettings.builder().schedule(TrainingSchedule.Kind.LINEAR)
                .timeBudget(tenMinutes).build().schedule(), "a named schedule stays");
    }

    /** A rate named alone applies from the first step; a late one after its passes, counted in the text's chunks. */
    @Test
    void lateDropoutBeginsAfterItsPassesOverTheText() {
        TrainingSettings unnamed = TrainingSettings.builder().seqLength(10).batchSize(4).build();
        assertEquals(0f, unnamed.dropout());
        assertEquals(0, unnamed.dropoutAfter());
        TrainingSettings named = TrainingSettings.builder().dropout(0.5f, 3).dropout(0.5f).build();
        assertEquals(0.5f, named.dropout());
        assertEquals(0, named.batching(1, 37).dropoutFrom());
        TrainingSettings late = TrainingSettings.builder().dropout(0.5f, 3).build();
        assertEquals(3 * 37L, late.batching(1, 37).dropoutFrom());
    }

    /** Format-1 checkpoints hold only the first settings; the rest read as what those runs did. */
    @Test
    void anOldCheckpointsMissingSettingsReadAsWhatThoseRunsDid() {
        Map<String, String> old = new HashMap<>(Map.of("hidden", "64", "layers", "1", "seqLength", "25",
                "batchSize", "1", "optimizer", "ADAM", "learningRate", "0.002", "learningRateDecay", "0.97",
                "clip", "5.0", "valFraction", "0.1", "seed", "42"));
        TrainingSettings settings = TrainingSettings.fromOptions(old);
        assertEquals(Cell.LSTM, settings.cell());
        assertEquals(TrainingSchedule.Kind.STEP, settings.schedule(), "a decay below 1 decayed in steps");
        assertEquals(1f, settings.forgetBias());
        assertEquals(TrainingSettings.NonFinitePolicy.STOP, settings.onNonFinite());
        assertEquals(0, settings.restartEvery(), "streams restarted at epochs only");
        assertEquals(TrainingSettings.DEFAULT_RESTART_EVERY, TrainingSettings.builder().build().restartEvery(),
                "a new run restarts streams within an epoch");
        assertEquals(0, settings.dropoutAfter(), "a rate saved alone applied from the first step");
        old.put("learningRateDecay", "1.0");
        assertEquals(TrainingSchedule.Kind.CONSTANT, TrainingSettings.fromOptions(old).schedule());
        old.remove("seed");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingSettings.fromOptions(old));
        assertEquals("the checkpoint has no training option 'seed'", e.getMessage());
        old.put("seed", "forty-two");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingSettings.fromOptions(old)).getMessage()
                .startsWith("the checkpoint's training options are unreadable: seed 'forty-two'"));
    }
}
