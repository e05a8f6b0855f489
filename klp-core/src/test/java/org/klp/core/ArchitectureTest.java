package org.klp.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

/** klp-core is the pure domain: no I/O, no dependencies beyond the JDK. */
class ArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.klp.core");

    @Test
    void coreDoesNoIo() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("java.io..", "java.nio.file..", "java.net..", "java.nio.channels..", "java.sql..")
                .because("klp-core is pure; adapters do I/O")
                .check(CORE);
    }

    @Test
    void coreDependsOnlyOnTheJdk() {
        noClasses().should().dependOnClassesThat()
                .resideOutsideOfPackages("java..", "javax.annotation..", "org.klp.core..")
                .check(CORE);
    }
}
