package org.mydata.operator.gateway.statistics;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.fhirpath.FHIRPathEngine;
import org.hl7.fhir.r4.fhirpath.FHIRPathUtilityClasses.FunctionDetails;
import org.hl7.fhir.r4.fhirpath.IHostApplicationServices;
import org.hl7.fhir.r4.fhirpath.TypeDetails;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.utilities.fhirpath.FHIRPathConstantEvaluationMode;

/**
 * The two functions SQL on FHIR v2 adds to FHIRPath, {@code getResourceKey()} and
 * {@code getReferenceKey([type])}, plugged into HAPI's engine as host functions. Nothing else of the host
 * is offered: no references are resolved, no value sets expanded, nothing is logged.
 */
final class ViewFunctions implements IHostApplicationServices {
    static final String RESOURCE_KEY = "getResourceKey";
    static final String REFERENCE_KEY = "getReferenceKey";

    @Override
    public FunctionDetails resolveFunction(FHIRPathEngine engine, String functionName) {
        return switch (functionName) {
            case RESOURCE_KEY -> new FunctionDetails("the resource's logical id", 0, 0);
            case REFERENCE_KEY -> new FunctionDetails("the logical id a reference points to", 0, 1);
            default -> null;
        };
    }

    @Override
    public List<Base> executeFunction(FHIRPathEngine engine, Object appContext, List<Base> focus, String functionName,
                                      List<List<Base>> parameters) {
        List<Base> keys = new ArrayList<>();
        for (Base item : focus) {
            if (RESOURCE_KEY.equals(functionName) && item instanceof Resource resource && resource.getIdElement().hasIdPart()) {
                keys.add(new StringType(resource.getIdElement().getIdPart()));
            } else if (REFERENCE_KEY.equals(functionName) && item instanceof Reference reference && reference.hasReference()) {
                IdType id = new IdType(reference.getReference());
                // the engine hands a type parameter over as its qualified name, "FHIR.Patient"
                String wanted = parameters.isEmpty() || parameters.get(0).isEmpty() ? null
                        : parameters.get(0).get(0).primitiveValue().replaceFirst("^FHIR\\.", "");
                if (id.hasIdPart() && (wanted == null || wanted.equals(id.getResourceType()))) {
                    keys.add(new StringType(id.getIdPart()));
                }
            }
        }
        return keys;
    }

    @Override
    public boolean paramIsType(String name, int index) {
        return REFERENCE_KEY.equals(name) && index == 0;
    }

    @Override
    public List<Base> resolveConstant(FHIRPathEngine engine, Object appContext, String name, FHIRPathConstantEvaluationMode mode) {
        return List.of();
    }

    @Override
    public TypeDetails resolveConstantType(FHIRPathEngine engine, Object appContext, String name, FHIRPathConstantEvaluationMode mode) {
        return null;
    }

    @Override
    public boolean log(String argument, List<Base> focus) {
        return false;
    }

    @Override
    public TypeDetails checkFunction(FHIRPathEngine engine, Object appContext, String functionName, TypeDetails focus,
                                     List<TypeDetails> parameters) {
        return null;
    }

    @Override
    public Base resolveReference(FHIRPathEngine engine, Object appContext, String url, Base refContext) {
        return null;
    }

    @Override
    public boolean conformsToProfile(FHIRPathEngine engine, Object appContext, Base item, String url) {
        return false;
    }

    @Override
    public ValueSet resolveValueSet(FHIRPathEngine engine, Object appContext, String url) {
        return null;
    }
}
