package dev.memorag.fakes;

import dev.memorag.api.Generator;
import dev.memorag.api.MemoryModel;
import dev.memorag.testing.GeneratorContract;
import dev.memorag.testing.MemoryModelContract;
import org.junit.jupiter.api.Nested;

/** The fakes the pipeline tests use keep the same contracts as the real components. */
class FakeComponentsContractTest {

    @Nested
    class Memory extends MemoryModelContract {
        @Override
        protected MemoryModel newModel() {
            return new FakeMemoryModel();
        }
    }

    @Nested
    class Answers extends GeneratorContract {
        @Override
        protected Generator newGenerator() {
            return new FakeGenerator(4096);
        }
    }
}
