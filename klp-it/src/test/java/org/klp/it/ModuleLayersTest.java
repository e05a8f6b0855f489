package org.klp.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module map of ARCHITECTURE.md, checked on the classes: arrows point one way, core ← kernel
 * and packaging ← cli and server. The one exception is documented in README.md: the server's demo
 * runs the real klp agent (cli, kernel) on simulated hosts in-process.
 */
class ModuleLayersTest {

    private static final JavaClasses KLP = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.klp");

    @Test
    void theKernelAdapterKnowsNeitherPackagingNorItsUsers() {
        noClasses().that().resideInAPackage("org.klp.kernel..")
                .should().dependOnClassesThat().resideInAnyPackage("org.klp.packaging..", "org.klp.cli..", "org.klp.server..")
                .check(KLP);
    }

    @Test
    void packagingKnowsNeitherTheKernelNorItsUsers() {
        noClasses().that().resideInAPackage("org.klp.packaging..")
                .should().dependOnClassesThat().resideInAnyPackage("org.klp.kernel..", "org.klp.cli..", "org.klp.server..")
                .check(KLP);
    }

    @Test
    void theHostToolDoesNotDependOnTheServer() {
        noClasses().that().resideInAPackage("org.klp.cli..")
                .should().dependOnClassesThat().resideInAPackage("org.klp.server..")
                .check(KLP);
    }

    @Test
    void theServerUsesTheHostToolOnlyInItsDemo() {
        noClasses().that().resideInAPackage("org.klp.server..").and().resideOutsideOfPackage("org.klp.server.demo..")
                .should().dependOnClassesThat().resideInAnyPackage("org.klp.cli..", "org.klp.kernel..")
                .because("the server proper uses core and packaging; only the demo runs hosts in-process")
                .check(KLP);
    }

    @Test
    void theAgentAndTheOperationsNeverRunTheCommandLine() {
        // the agent once ran klp in-process and parsed its printed JSON: Klp -> commands -> Agent -> Klp
        noClasses().that().resideInAnyPackage("org.klp.cli.connect..", "org.klp.cli.operation..", "org.klp.cli.record..", "org.klp.cli.repo..")
                .should().dependOnClassesThat().resideInAPackage("org.klp.cli.command..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("org.klp.cli.Klp")
                .orShould().dependOnClassesThat().resideInAPackage("picocli..")
                .because("commands parse and print; the operations layer does the work for them and for the agent")
                .check(KLP);
    }
}
